"""What agents and waiting customers see of the queue: the queue list, positions, wait estimates."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from redis.asyncio import Redis

from handoff import keys
from handoff.models import Role, SessionState, iso_utc
from handoff.presence import PresenceRegistry
from handoff.sessions import Sessions

DEFAULT_WAIT_S = 60.0


@dataclass(frozen=True)
class QueueItem:
    """One line of the agents' queue view."""

    session_id: str
    state: SessionState
    reason: str
    queued_at: float | None
    agent_id: str
    agent_name: str
    preview: str
    queue: str = ""
    product: str = ""
    offline: bool = False
    contact: str = ""
    why: dict[str, Any] = field(default_factory=dict)  # the bot's reason to hand over (routing.Route.why)
    labels: tuple[str, ...] = ()  # agents' tags

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (``queued_at`` in the protocol's ISO 8601 UTC)."""
        queued_at = None if self.queued_at is None else iso_utc(self.queued_at)
        return asdict(self) | {"state": self.state.value, "queued_at": queued_at, "labels": list(self.labels)}


class QueueView:
    """Read-only views of the queue and handoff indexes (the moves keep them up to date)."""

    def __init__(self, redis: Redis, presence: PresenceRegistry, sessions: Sessions) -> None:
        self._redis: Any = redis  # decoded replies (see HandoffService)
        self._presence = presence
        self._sessions = sessions

    async def queue(self) -> list[QueueItem]:
        """Waiting sessions (oldest first), then sessions being handled."""
        ids = await self._redis.zrange(keys.HANDOFFS, 0, -1)
        sessions = await self._sessions.sessions(ids)
        active = [s for s in sessions if s.state in (SessionState.QUEUED, SessionState.ASSIGNED)]
        order = {sid: rank for rank, sid in enumerate(await self._redis.zrange(keys.QUEUE, 0, -1))}
        active.sort(key=lambda s: (s.state != SessionState.QUEUED, order.get(s.session_id, 0), s.queued_at or 0.0))
        previews = await self._previews([s.session_id for s in active])
        return [
            QueueItem(s.session_id, s.state, s.reason, s.queued_at, s.agent_id, s.agent_name,
                      previews[s.session_id], s.queue, s.product, s.offline, s.contact, s.why, s.labels)
            for s in active
        ]

    async def _previews(self, session_ids: list[str]) -> dict[str, str]:
        """The last customer message of each session, for the queue list."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for session_id in session_ids:
                pipe.xrevrange(keys.transcript(session_id), count=10)
            results = await pipe.execute()
        previews: dict[str, str] = {}
        for session_id, rows in zip(session_ids, results, strict=True):
            texts = [f["text"] for _, f in rows if f.get("role") == Role.CUSTOMER.value]
            previews[session_id] = texts[0][:140] if texts else ""
        return previews

    async def held_by(self, agent_id: str) -> list[str]:
        """The sessions an agent holds (the index; a session's hash has the last word)."""
        return sorted(await self._redis.smembers(keys.agent_sessions(agent_id)))

    async def queue_position(self, session_id: str) -> int | None:
        """1-based place in the queue, or None when not queued."""
        rank = await self._redis.zrank(keys.QUEUE, session_id)
        return None if rank is None else rank + 1

    async def wait_estimate(self, session_id: str) -> tuple[int | None, float | None]:
        """(1-based queue position, estimated seconds until an agent picks the customer up).

        The estimate is the median of the last 100 waits, times the position, shared among the
        agents online; with no history it assumes one minute per place.
        """
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zrank(keys.QUEUE, session_id)
            pipe.lrange(keys.RECENT_WAITS, 0, 99)
            rank, recent = await pipe.execute()
        if rank is None:
            return None, None
        position = rank + 1
        waits = sorted(float(w) for w in recent)
        per_place = waits[len(waits) // 2] if waits else DEFAULT_WAIT_S
        agents = max(1, await self._presence.online_agents())
        return position, round(max(per_place, 5.0) * position / agents, 1)
