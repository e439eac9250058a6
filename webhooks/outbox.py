"""The durable queue between a conversation event and its deliveries: a Redis stream.

``emit`` (the handoff's :class:`~handoff.events.EventSink`) only appends one entry: the chat does
not wait for any receiver. Every gateway reads the stream in one consumer group, so each event is
taken by exactly one of them; an entry taken by a gateway that died before acknowledging it is
claimed by another after :data:`CLAIM_IDLE_MS`. The entry holds ids, figures and the session's
state, never customer text (the payload's redacted text is read when the event is taken).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from handoff import Session, SessionState
from handoff.events import ConversationEvent

logger = logging.getLogger(__name__)

STREAM = "tandem:webhooks:events"
GROUP = "deliverers"
MAX_LENGTH = 100_000  # events kept when no gateway reads them (approximate)
CLAIM_IDLE_MS = 60_000  # an event taken but not acknowledged this long is taken by another gateway
MAX_TAKES = 10  # an event whose payload failed this many times is dropped (logged), not retried for ever
PRIVATE_FIELDS = ("contact", "why")  # the ticket's contact is personal data; ``why`` is the bot's, not an integrator's


@dataclass(frozen=True)
class QueuedEvent:
    """One event as taken from the stream."""

    entry_id: str
    id: str
    type: ConversationEvent
    at: float
    session: Session
    facts: dict[str, Any]


def snapshot(session: Session) -> dict[str, Any]:
    """The session's state for the stream, without personal data."""
    data = dataclasses.asdict(session)
    for name in PRIVATE_FIELDS:
        data.pop(name, None)
    data["state"] = session.state.value
    return data


def restore(data: dict[str, Any]) -> Session:
    """Inverse of :func:`snapshot`."""
    return Session(**(data | {"state": SessionState(data["state"]), "articles": tuple(data.get("articles", ()))}))


def consumer_name() -> str:
    """This process's name in the consumer group (host, pid and a random part: unique per start)."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class EventOutbox:
    """Appends conversation events to the stream, and hands them to one gateway each."""

    def __init__(self, redis: Redis, clock: Callable[[], float] = time.time) -> None:
        self._redis: Any = redis  # decoded replies
        self._clock = clock

    async def emit(self, event: ConversationEvent, session: Session, **facts: Any) -> None:
        """Queue the event; a Redis failure is logged, never raised (the move has happened)."""
        fields = {"id": uuid.uuid4().hex, "type": event.value, "at": repr(self._clock()),
                  "session": json.dumps(snapshot(session), separators=(",", ":")),
                  "facts": json.dumps(facts, separators=(",", ":"))}
        try:
            await self._redis.xadd(STREAM, fields, maxlen=MAX_LENGTH, approximate=True)
        except RedisError:
            logger.exception("could not queue webhook event type=%s session=%s", event.value, session.session_id)

    async def ensure_group(self) -> None:
        """Create the consumer group (reading from the stream's start) unless it exists."""
        try:
            await self._redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def take(self, consumer: str, count: int, block_ms: int) -> list[QueuedEvent]:
        """Events for this gateway: first any a dead gateway left unacknowledged, else new ones
        (waiting up to ``block_ms`` for one)."""
        try:
            return await self._take(consumer, count, block_ms)
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            await self.ensure_group()  # Redis was emptied (or replaced) under us
            return []

    async def _take(self, consumer: str, count: int, block_ms: int) -> list[QueuedEvent]:
        _, stale, *_ = await self._redis.xautoclaim(STREAM, GROUP, consumer, CLAIM_IDLE_MS, "0-0", count=count)
        if stale:
            return [self._parse(entry_id, fields) for entry_id, fields in stale if fields]
        replies = await self._redis.xreadgroup(GROUP, consumer, {STREAM: ">"}, count=count, block=block_ms)
        return [self._parse(entry_id, fields) for _, entries in replies or [] for entry_id, fields in entries]

    async def times_taken(self, entry_id: str) -> int:
        """How often the event was handed to a gateway (1 the first time)."""
        pending = await self._redis.xpending_range(STREAM, GROUP, min=entry_id, max=entry_id, count=1)
        return int(pending[0]["times_delivered"]) if pending else 0

    async def done(self, entry_ids: list[str]) -> None:
        """Acknowledge and drop events whose deliveries are in the log."""
        if entry_ids:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.xack(STREAM, GROUP, *entry_ids)
                pipe.xdel(STREAM, *entry_ids)
                await pipe.execute()

    @staticmethod
    def _parse(entry_id: str, fields: dict[str, str]) -> QueuedEvent:
        return QueuedEvent(entry_id=entry_id, id=fields["id"], type=ConversationEvent(fields["type"]),
                           at=float(fields["at"]), session=restore(json.loads(fields["session"])),
                           facts=json.loads(fields["facts"]))
