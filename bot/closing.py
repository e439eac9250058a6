"""Ends conversations: closes the session, writes its outcome row, tells the sockets.

Conversations end when the customer ends them, an agent resolves them, or they sit idle; the idle
sweep runs in every gateway, and a Redis lock lets one of them sweep at a time. The recorder
redacts what it stores; with ``simulated_times`` (benchmarks only) a session's record is moved to
the start time the benchmark set for it in Redis, keeping every measured duration.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from redis.asyncio import Redis

from bot.periodic import run_every
from bot.persistence import PersistenceCompactor
from handoff import (
    Agent,
    ConversationEvent,
    EventSink,
    HandoffError,
    HandoffService,
    LiveBus,
    NoEvents,
    Session,
    TranscriptEntry,
)
from handoff.erasure import scrub_closed_session
from handoff.service import CLOSED_SESSION_TTL_S
from outcomes import OutcomeRecorder
from outcomes.models import ConversationRecord
from outcomes.recorder import REDACTED_ROLES, EndedBy
from rasa_bridge import tracker_key

logger = logging.getLogger(__name__)
SWEEP_LOCK = "tandem:sweep-lock"
# Set by benchmarks/simulated_month.py (epoch seconds), honoured only with settings.simulated_times.
SIMULATED_START = "tandem:simulated-start:{session_id}"
# Hears of every recorded close: the record, the live transcript, and whether the agent marked a
# third-party or off-topic handover as ours (the learning loop, learning/service.py).
OnClosed = Callable[[ConversationRecord, Sequence[TranscriptEntry], bool], Awaitable[None]]


def resolution_facts(record: ConversationRecord) -> dict[str, Any]:
    """What the ``conversation.resolved`` event tells of the record: the outcome and its figures; the
    question is the record's, already redacted."""
    return {"outcome": record.outcome, "ended_by": record.ended_by, "escalation_reason": record.escalation_reason,
            "articles": list(record.articles or []), "first_response_s": record.first_response_s,
            "queue_wait_s": record.queue_wait_s, "first_agent_reply_s": record.first_agent_reply_s,
            "handling_s": record.handling_s, "question": record.escalation_question}


class ConversationCloser:
    """The one place that turns "this conversation is over" into a closed session and a record."""

    def __init__(self, handoff: HandoffService, recorder: OutcomeRecorder, bus: LiveBus, redis: Redis,
                 simulated_times: bool = False, *, redact: Callable[[str], str] = lambda text: text,
                 closed_ttl_s: int = CLOSED_SESSION_TTL_S, events: EventSink | None = None,
                 compactor: PersistenceCompactor | None = None, on_closed: OnClosed | None = None) -> None:
        """``redact`` scrubs what stays live after the close; ``closed_ttl_s`` is how long it stays;
        ``events`` hears of each close (``conversation.resolved``, for webhooks); so does ``on_closed``;
        ``compactor`` rewrites Redis persistence after the scrub, so the files lose the live personal data too."""
        self._compactor = compactor
        self._on_closed = on_closed
        self._events: EventSink = events or NoEvents()
        self._redact = redact
        self._closed_ttl_s = closed_ttl_s
        self._handoff = handoff
        self._recorder = recorder
        self._bus = bus
        self._redis = redis
        self._simulated_times = simulated_times

    async def close(self, session_id: str, ended_by: EndedBy, agent: Agent | None = None,
                    ours: bool = False) -> ConversationRecord:
        """Close the session and record its outcome; raises HandoffError if it cannot be closed.
        ``ours``: the agent says a third-party or off-topic handover was about our products."""
        session, previous = await self._handoff.close(session_id, agent=agent)
        transcript = await self._handoff.transcript(session_id)
        record = await asyncio.to_thread(
            self._recorder.record, session, previous, ended_by, transcript, time.time(), await self._shift(session)
        )
        await self._learn(record, transcript, ours)
        await self._scrub(session_id, transcript)
        await self._bus.publish_session(session_id, {"kind": "ended", "outcome": record.outcome})
        await self._events.emit(ConversationEvent.RESOLVED, session, **resolution_facts(record))
        return record

    async def _learn(self, record: ConversationRecord, transcript: Sequence[TranscriptEntry], ours: bool) -> None:
        """Tell the learning loop; its failure must not fail the close (the record is written)."""
        if self._on_closed is None:
            return
        try:
            await self._on_closed(record, transcript, ours)
        except Exception:
            logger.warning("learning from a closed conversation failed", exc_info=True)

    async def _scrub(self, session_id: str, transcript: Sequence[TranscriptEntry]) -> None:
        """What stays live after the close holds no personal data: the transcript is redacted, the
        ticket contact dropped, and Rasa's tracker (redacted text already) expires with the session."""
        texts = await asyncio.to_thread(
            lambda: {e.id: self._redact(e.text) for e in transcript if e.role in REDACTED_ROLES})
        await scrub_closed_session(self._redis, session_id, texts)
        await self._redis.expire(tracker_key(session_id), self._closed_ttl_s)
        if self._compactor:
            self._compactor.request()

    async def _shift(self, session: Session) -> float:
        """Seconds to move the record's times by: 0, except for benchmark sessions with a simulated start."""
        if not self._simulated_times:
            return 0.0
        simulated_start = await self._redis.get(SIMULATED_START.format(session_id=session.session_id))
        return float(simulated_start) - session.created_at if simulated_start else 0.0

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

    async def sweep_forever(self, idle_for_s: float, interval_s: float, agent_grace_s: float) -> None:
        """Every ``interval_s``, one gateway (holding the sweep lock) closes idle conversations and
        requeues the chats of agents who have been gone longer than ``agent_grace_s``."""

        async def sweep() -> None:
            await self.sweep_idle(idle_for_s)
            await self._handoff.requeue_lost_agents(agent_grace_s)

        await run_every(self._redis, SWEEP_LOCK, interval_s, sweep, "sweep")
