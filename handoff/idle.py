"""The idle index: which open sessions have gone quiet, for the idle sweep that closes them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis

from handoff import keys


class IdleIndex:
    """The open-sessions sorted set, scored by (a lower bound of) each session's last activity.

    Starting a session adds it; closing it, or leaving an offline ticket, removes it.
    """

    def __init__(self, redis: Redis, clock: Callable[[], float]) -> None:
        self._redis: Any = redis  # decoded replies (see HandoffService)
        self._clock = clock

    async def idle_sessions(self, idle_for_s: float) -> list[str]:
        """Open sessions with no message for ``idle_for_s`` seconds (for the idle sweep).

        A message updates only the session's own ``last_activity`` (no extra write per message),
        so the open-sessions index holds an older score; candidates it names are checked against
        the session, and the busy ones re-scored.
        """
        cutoff = self._clock() - idle_for_s
        candidates = await self._redis.zrangebyscore(keys.OPEN_SESSIONS, 0, cutoff)
        if not candidates:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for session_id in candidates:
                pipe.hget(keys.session(session_id), "last_activity")
            activity = await pipe.execute()
        last_activity = dict(zip(candidates, activity, strict=True))
        idle = [sid for sid, last in last_activity.items() if last is not None and float(last) <= cutoff]
        busy = {sid: float(last) for sid, last in last_activity.items() if last is not None and float(last) > cutoff}
        gone = [sid for sid, last in last_activity.items() if last is None]
        async with self._redis.pipeline(transaction=False) as pipe:
            if busy:
                pipe.zadd(keys.OPEN_SESSIONS, busy, xx=True)
            if gone:
                pipe.zrem(keys.OPEN_SESSIONS, *gone)
            await pipe.execute()
        return idle
