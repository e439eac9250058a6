"""Ends conversations: closes the session, writes its outcome row, tells the sockets.

Conversations end when the customer ends them, an agent resolves them, or they sit idle; the idle
sweep runs in every gateway, and a Redis lock lets one of them sweep at a time.
"""

from __future__ import annotations

import asyncio
import logging
import time

from redis.asyncio import Redis

from handoff import Agent, HandoffError, HandoffService, LiveBus
from outcomes import OutcomeRecorder
from outcomes.models import ConversationRecord
from outcomes.recorder import EndedBy

logger = logging.getLogger(__name__)
SWEEP_LOCK = "tandem:sweep-lock"


class ConversationCloser:
    """The one place that turns "this conversation is over" into a closed session and a record."""

    def __init__(self, handoff: HandoffService, recorder: OutcomeRecorder, bus: LiveBus, redis: Redis) -> None:
        self._handoff = handoff
        self._recorder = recorder
        self._bus = bus
        self._redis = redis

    async def close(self, session_id: str, ended_by: EndedBy, agent: Agent | None = None) -> ConversationRecord:
        """Close the session and record its outcome; raises HandoffError if it cannot be closed."""
        session, previous = await self._handoff.close(session_id, agent=agent)
        transcript = await self._handoff.transcript(session_id)
        record = await asyncio.to_thread(
            self._recorder.record, session, previous, ended_by, transcript, time.time()
        )
        await self._bus.publish_session(session_id, {"kind": "ended", "outcome": record.outcome})
        return record

    async def sweep_idle(self, idle_for_s: float) -> int:
        """Close every session idle for ``idle_for_s`` seconds; returns how many were closed."""
        closed = 0
        for session_id in await self._handoff.idle_sessions(idle_for_s):
            try:
                await self.close(session_id, "idle")
                closed += 1
            except HandoffError:
                continue  # closed meanwhile by someone else
        return closed

    async def sweep_forever(self, idle_for_s: float, interval_s: float) -> None:
        """Sweep every ``interval_s`` seconds while holding the cluster-wide sweep lock."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                if await self._redis.set(SWEEP_LOCK, "1", nx=True, ex=max(1, int(interval_s))):
                    await self.sweep_idle(idle_for_s)
            except Exception:
                logger.exception("idle sweep failed")
