"""The webhook endpoints admins register: URL, the events it wants, its signing secret.

The secret is stored as given (the deliverer needs it to sign) and is returned only when it is
created or changed; listings never show it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session as SqlSession

from outcomes.schema import migrate
from webhooks.errors import EndpointNotFound
from webhooks.models import Attempt, Delivery, Endpoint
from webhooks.signing import new_secret

UPDATABLE = frozenset({"url", "events", "description", "active"})


@dataclass(frozen=True)
class Saved:
    """An endpoint as stored, and its secret when this change set or made it (else None)."""

    endpoint: Endpoint
    secret: str | None


class EndpointStore:
    """Registers, lists, changes and removes webhook endpoints (SQL)."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._clock = clock

    def create_schema(self) -> None:
        """Bring the tables to the newest migration (the webhook tables are revision 0005)."""
        migrate(self._engine)

    def create(self, url: str, events: Iterable[str], *, description: str = "", secret: str | None = None,
               active: bool = True, created_by: str = "") -> Saved:
        """Register an endpoint; a secret is made unless the admin gave one."""
        now = self._clock()
        secret = secret or new_secret()
        endpoint = Endpoint(id=uuid.uuid4().hex, url=url, events=sorted(set(events)), description=description,
                            secret=secret, active=active, created_by=created_by, created_at=now, updated_at=now)
        with SqlSession(self._engine, expire_on_commit=False) as db, db.begin():
            db.add(endpoint)
        return Saved(endpoint, secret)

    def all(self) -> list[Endpoint]:
        """Every endpoint, oldest first."""
        with SqlSession(self._engine, expire_on_commit=False) as db:
            return list(db.scalars(select(Endpoint).order_by(Endpoint.created_at, Endpoint.id)))

    def get(self, endpoint_id: str) -> Endpoint:
        """One endpoint; raises EndpointNotFound."""
        with SqlSession(self._engine, expire_on_commit=False) as db:
            endpoint = db.get(Endpoint, endpoint_id)
        if endpoint is None:
            raise EndpointNotFound(endpoint_id)
        return endpoint

    def update(self, endpoint_id: str, changes: dict[str, Any], *, secret: str | None = None,
               rotate_secret: bool = False) -> Saved:
        """Change the fields given (url, events, description, active), and the secret when one is given
        or ``rotate_secret`` asks for a new one; raises EndpointNotFound."""
        new = secret or (new_secret() if rotate_secret else None)
        with SqlSession(self._engine, expire_on_commit=False) as db, db.begin():
            endpoint = db.get(Endpoint, endpoint_id)
            if endpoint is None:
                raise EndpointNotFound(endpoint_id)
            for name, value in changes.items():
                if name in UPDATABLE:
                    setattr(endpoint, name, sorted(set(value)) if name == "events" else value)
            if new:
                endpoint.secret = new
            endpoint.updated_at = self._clock()
        return Saved(endpoint, new)

    def delete(self, endpoint_id: str) -> None:
        """Remove an endpoint with its deliveries and their attempts; raises EndpointNotFound."""
        with SqlSession(self._engine) as db, db.begin():
            if db.get(Endpoint, endpoint_id) is None:
                raise EndpointNotFound(endpoint_id)
            ids = select(Delivery.id).where(Delivery.endpoint_id == endpoint_id)
            db.execute(delete(Attempt).where(Attempt.delivery_id.in_(ids)))
            db.execute(delete(Delivery).where(Delivery.endpoint_id == endpoint_id))
            db.execute(delete(Endpoint).where(Endpoint.id == endpoint_id))

    def subscribed(self, event_type: str) -> list[Endpoint]:
        """The active endpoints that asked for ``event_type``."""
        with SqlSession(self._engine, expire_on_commit=False) as db:
            active = db.scalars(select(Endpoint).where(Endpoint.active.is_(True)))
            return [endpoint for endpoint in active if event_type in endpoint.events]
