"""The delivery log: one row per event and endpoint, its attempts, and the dead letters.

Several gateways send from the same log. A gateway takes a due delivery with a *lease*: one
conditional UPDATE (still pending, due, not leased by anyone else) that only one of them can win,
on SQLite and PostgreSQL alike. A lease that outlives its gateway (a crash mid-attempt) expires,
and the delivery is tried again: deliveries are at least once, and receivers drop repeats by the
event id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as SqlSession

from webhooks.errors import DeliveryNotFound
from webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint

ERROR_CHARS = 500


@dataclass(frozen=True)
class DueDelivery:
    """What one attempt needs: where to, the secret to sign with, the body, and how many tries so far."""

    id: int
    event_id: str
    event_type: str
    url: str
    secret: str
    body: str
    attempts: int


class DeliveryLog:
    """Adds, leases, records and lists deliveries (SQL)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, event_id: str, event_type: str, session_id: str, body: str, endpoint_ids: Sequence[str],
            now: float) -> int:
        """One pending delivery of the event per endpoint; an event taken twice (after a gateway
        crashed) adds nothing the second time. Returns how many were added."""
        added = 0
        for endpoint_id in endpoint_ids:
            try:
                with SqlSession(self._engine) as db, db.begin():
                    db.add(Delivery(event_id=event_id, event_type=event_type, endpoint_id=endpoint_id,
                                    session_id=session_id, body=body, status=DeliveryStatus.PENDING.value,
                                    attempts=0, next_attempt_at=now, created_at=now))
                added += 1
            except IntegrityError:
                continue  # already added by the first taker of this event
        return added

    def lease_due(self, now: float, lease_s: float, limit: int) -> list[DueDelivery]:
        """Take up to ``limit`` due deliveries of active endpoints for ``lease_s`` seconds."""
        query = (select(Delivery, Endpoint).join(Endpoint, Endpoint.id == Delivery.endpoint_id)
                 .where(Delivery.status == DeliveryStatus.PENDING.value, Delivery.next_attempt_at <= now,
                        (Delivery.lease_until.is_(None)) | (Delivery.lease_until < now), Endpoint.active.is_(True))
                 .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit))
        taken: list[DueDelivery] = []
        with SqlSession(self._engine) as db:
            candidates = [(d.id, d.event_id, d.event_type, e.url, e.secret, d.body, d.attempts)
                          for d, e in db.execute(query).tuples()]
        for delivery_id, event_id, event_type, url, secret, body, attempts in candidates:
            if self._lease(delivery_id, now, now + lease_s):
                taken.append(DueDelivery(delivery_id, event_id, event_type, url, secret, body, attempts))
        return taken

    def _lease(self, delivery_id: int, now: float, until: float) -> bool:
        """Win the delivery if it is still pending and nobody holds a lease on it (one UPDATE: of
        several gateways racing for it, one changes the row)."""
        free = Delivery.lease_until.is_(None) | (Delivery.lease_until < now)
        with SqlSession(self._engine) as db, db.begin():
            result = db.execute(update(Delivery).where(
                Delivery.id == delivery_id, Delivery.status == DeliveryStatus.PENDING.value, free,
            ).values(lease_until=until))
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def record(self, delivery_id: int, now: float, status_code: int | None, error: str | None, duration_ms: int,
               *, max_attempts: int, backoff_s: Callable[[int], float]) -> DeliveryStatus:
        """Log one attempt and decide what follows: delivered, another try after the backoff, or dead."""
        ok = error is None and status_code is not None and 200 <= status_code < 300
        with SqlSession(self._engine) as db, db.begin():
            delivery = db.get(Delivery, delivery_id)
            if delivery is None:  # its endpoint was deleted meanwhile
                return DeliveryStatus.DEAD
            delivery.attempts += 1
            delivery.lease_until = None
            delivery.last_status_code = status_code
            delivery.last_error = error[:ERROR_CHARS] if error else None
            if ok:
                delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED.value, now
            elif delivery.attempts >= max_attempts:
                delivery.status = DeliveryStatus.DEAD.value
            else:
                delivery.next_attempt_at = now + backoff_s(delivery.attempts)
            db.add(Attempt(delivery_id=delivery_id, attempted_at=now, status_code=status_code,
                           error=delivery.last_error, duration_ms=duration_ms))
            return DeliveryStatus(delivery.status)

    def deliveries(self, *, status: str | None = None, endpoint_id: str | None = None,
                   session_id: str | None = None, event_type: str | None = None, limit: int = 100,
                   before_id: int | None = None) -> list[Delivery]:
        """The log, newest first, filtered; ``before_id`` pages back."""
        query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
        for column, value in ((Delivery.status, status), (Delivery.endpoint_id, endpoint_id),
                              (Delivery.session_id, session_id), (Delivery.event_type, event_type)):
            if value is not None:
                query = query.where(column == value)
        if before_id is not None:
            query = query.where(Delivery.id < before_id)
        with SqlSession(self._engine, expire_on_commit=False) as db:
            return list(db.scalars(query))

    def delivery(self, delivery_id: int) -> tuple[Delivery, list[Attempt]]:
        """One delivery and its attempts, oldest first; raises DeliveryNotFound."""
        with SqlSession(self._engine, expire_on_commit=False) as db:
            delivery = db.get(Delivery, delivery_id)
            if delivery is None:
                raise DeliveryNotFound(delivery_id)
            attempts = db.scalars(select(Attempt).where(Attempt.delivery_id == delivery_id).order_by(Attempt.id))
            return delivery, list(attempts)

    def retry(self, delivery_id: int, now: float) -> Delivery:
        """Send a dead (or any undelivered) delivery again, with a fresh budget of attempts."""
        with SqlSession(self._engine, expire_on_commit=False) as db, db.begin():
            delivery = db.get(Delivery, delivery_id)
            if delivery is None:
                raise DeliveryNotFound(delivery_id)
            if delivery.status != DeliveryStatus.DELIVERED.value:
                delivery.status, delivery.attempts = DeliveryStatus.PENDING.value, 0
                delivery.next_attempt_at, delivery.lease_until = now, None
            return delivery

    def count_for_session(self, session_id: str) -> int:
        """How many deliveries name one conversation (an access request lists it)."""
        with SqlSession(self._engine) as db:
            return int(db.scalar(select(func.count()).where(Delivery.session_id == session_id)) or 0)

    def purge_before(self, cutoff: float) -> int:
        """Drop deliveries (and their attempts) made before ``cutoff``: the retention job."""
        return self._delete(Delivery.created_at < cutoff)

    def forget_session(self, session_id: str) -> int:
        """Drop every delivery about one conversation: an erasure."""
        return self._delete(Delivery.session_id == session_id)

    def _delete(self, condition: object) -> int:
        with SqlSession(self._engine) as db, db.begin():
            ids = select(Delivery.id).where(condition)  # type: ignore[arg-type]
            db.execute(delete(Attempt).where(Attempt.delivery_id.in_(ids)))
            result = db.execute(delete(Delivery).where(condition))  # type: ignore[arg-type]
            return int(result.rowcount)  # type: ignore[attr-defined]
