"""The handoff service: the verbs a person uses on a conversation, over Redis.

One façade over five parts, each in its own module:

- :mod:`handoff.sessions` — the session hashes (open, read, the bot's answer counts);
- :mod:`handoff.transcript` — messages stored once and announced, typing indicators;
- :mod:`handoff.moves` — the state moves (escalate, claim, transfer, hand back, requeue, close);
- :mod:`handoff.queue` — the queue list, positions and wait estimates;
- :mod:`handoff.assignment` — automatic assignment in the ``auto`` queues;
- :mod:`handoff.idle` — the idle index the idle sweep reads.

What is atomic, exactly:

- each transcript store (``append``, ``customer_message``, ``agent_reply``) is one APPEND script:
  de-duplication, the holder check, the XADD, the session's counters and the live ``message``
  event, all or nothing;
- each move's state check-and-set is one TRANSITION script on the session hash, so two
  gateways moving one session see one state;
- a claim or an automatic assignment is one ASSIGN script (state, the agent's presence and
  capacity, the agent's sessions, the queue): two agents racing to ``claim`` cannot both win,
  and no agent is ever over capacity, whichever gateways assign;
- an escalation's queue ticket and queue entry are one ENQUEUE script (arrival order);
- ``start_session`` writes the hash and the open-sessions index in one MULTI/EXEC.

Not atomic: a move's index updates (queue, handoffs, agent's sessions, recent waits), its queue
ticket, its system note and its ``state`` event each follow the script as separate steps, so for
a moment (or after a crash in between) the indexes lag the hash; readers trust the hash (see
:mod:`handoff.moves`). ``note_bot_answer`` reads, then writes. The idle sweep's index clean-up is a
plain pipeline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from redis.asyncio import Redis

from handoff.assignment import AssignmentMode, AutoAssigner
from handoff.events import EventSink
from handoff.idle import IdleIndex
from handoff.live import LiveBus
from handoff.models import Agent, Role, Session, SessionState, TranscriptEntry
from handoff.moves import CLOSED_SESSION_TTL_S, LOST_AGENT_NOTE, Moves
from handoff.presence import PresenceRegistry
from handoff.queue import DEFAULT_WAIT_S, QueueItem, QueueView
from handoff.sessions import Sessions
from handoff.transcript import Stored, Transcript

OFFLINE_NOTE = (
    "Nobody from our team is available right now. Leave your e-mail address or phone number and "
    "your question, and we will get back to you."
)

__all__ = ["CLOSED_SESSION_TTL_S", "DEFAULT_WAIT_S", "LOST_AGENT_NOTE", "OFFLINE_NOTE", "HandoffService",
           "QueueItem", "Stored"]


class HandoffService:
    """Sessions, transcripts, the queue and their live events: the verbs, delegated to their owners."""

    def __init__(
        self,
        redis: Redis,
        bus: LiveBus,
        presence: PresenceRegistry,
        *,
        default_queue: str = "general",
        is_open: Callable[[], bool] = lambda: True,
        offline_note: str = OFFLINE_NOTE,
        clock: Callable[[], float] = time.time,
        closed_ttl_s: int = CLOSED_SESSION_TTL_S,
        assignment: Callable[[str], AssignmentMode] = lambda queue: AssignmentMode.MANUAL,
        events: EventSink | None = None,
    ) -> None:
        """``closed_ttl_s``: how long a closed session's keys stay (Settings.privacy.closed_session_ttl_s);
        ``assignment``: each queue's mode (Settings.handoff.assignment_of);
        ``events`` is told about each escalation, assignment, transfer and offline ticket (handoff.events)."""
        # redis-py types replies as unions over its decode modes; this client always decodes
        # (decode_responses=True), so every part keeps it typed as Any and reads str replies.
        self.presence = presence
        self._bus = bus
        self.offline_note = offline_note
        self._sessions = Sessions(redis, clock)
        self._transcript = Transcript(redis, bus, clock)
        self._moves = Moves(redis, bus, presence, self._sessions, self._transcript,
                            default_queue=default_queue, is_open=is_open, clock=clock,
                            closed_ttl_s=closed_ttl_s, events=events)
        self._queue = QueueView(redis, presence, self._sessions)
        self._idle = IdleIndex(redis, clock)
        self._assigner = AutoAssigner(redis, self._sessions, self._moves, assignment, clock)

    # --- sessions -------------------------------------------------------------------------

    async def start_session(self) -> Session:
        """Open a new conversation with the bot."""
        return await self._sessions.start_session()

    async def get_session(self, session_id: str) -> Session:
        """The session's current state; raises SessionNotFound."""
        return await self._sessions.get_session(session_id)

    async def sessions(self, session_ids: Sequence[str]) -> list[Session]:
        """Snapshots of several sessions in one round trip, skipping those that vanished."""
        return await self._sessions.sessions(session_ids)

    async def note_bot_answer(self, session_id: str, article_id: str | None) -> None:
        """Record that the bot answered (from an article, if given): feeds outcomes."""
        await self._sessions.note_bot_answer(session_id, article_id)

    async def note_agent_article(self, session_id: str, article_id: str) -> None:
        """Record that an agent's reply was taken from a knowledge-base article: feeds outcomes."""
        await self._sessions.note_agent_article(session_id, article_id)

    async def set_labels(self, session_id: str, labels: tuple[str, ...]) -> Session:
        """Replace a waiting or held conversation's labels (already checked: desk.normalize_labels)."""
        return await self._moves.set_labels(session_id, labels)

    # --- transcript -----------------------------------------------------------------------

    async def note_once(self, session_id: str, flag: str, text: str) -> None:
        """Tell the customer ``text`` (a system line) the first time ``flag`` is raised on the session."""
        await self._transcript.note_once(session_id, flag, text)

    async def append(
        self,
        session_id: str,
        role: Role,
        text: str,
        *,
        client_id: str = "",
        agent_name: str = "",
        internal: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> tuple[TranscriptEntry, bool]:
        """Store a message once (by ``client_id``) and announce it; returns (entry, newly stored)."""
        return await self._transcript.append(session_id, role, text, client_id=client_id, agent_name=agent_name,
                                             internal=internal, extra=extra)

    async def customer_message(self, session_id: str, text: str, client_id: str) -> Stored:
        """Store a customer's message once and announce it, with the session's state at that moment."""
        return await self._transcript.customer_message(session_id, text, client_id)

    async def agent_reply(
        self, session_id: str, agent: Agent, text: str, client_id: str, *, internal: bool = False
    ) -> tuple[TranscriptEntry, bool]:
        """Store an agent's reply (or internal note) on a session the agent holds."""
        return await self._transcript.agent_reply(session_id, agent, text, client_id, internal=internal)

    async def transcript(
        self, session_id: str, after: str | None = None, *, include_internal: bool = True
    ) -> list[TranscriptEntry]:
        """The session's messages, oldest first, optionally only those after a message id."""
        return await self._transcript.transcript(session_id, after, include_internal=include_internal)

    async def typing(self, session_id: str, role: Role, on: bool) -> None:
        """Relay a typing indicator to the other side."""
        await self._transcript.typing(session_id, role, on)

    # --- handoff verbs --------------------------------------------------------------------

    async def escalate(self, session_id: str, reason: str, *, product: str = "", queue: str = "",
                       why: dict[str, Any] | None = None) -> Session:
        """Put a bot conversation in the human queue (no-op if it already is with a person);
        ``offline`` when nobody is online or it is outside business hours. ``why`` (the bot's
        signals and rule) is kept with it for the agent.

        ``reason`` is an ``outcomes.EscalationReason``: outcomes owns those words (it reports on
        them); handoff only stores the one it is given.
        """
        return await self._moves.escalate(session_id, reason, product=product, queue=queue, why=why)

    async def cancel_escalation(self, session_id: str) -> Session:
        """The customer changed their mind while waiting: back to the bot."""
        return await self._moves.cancel_escalation(session_id)

    async def leave_contact(self, session_id: str, contact: str, question: str, client_id: str) -> TranscriptEntry:
        """An offline ticket: keep the customer's contact and question for the next agent online."""
        return await self._moves.leave_contact(session_id, contact, question, client_id)

    async def claim(self, session_id: str, agent: Agent, *, check_capacity: bool = True) -> Session:
        """Give a queued session to ``agent``; exactly one of several racing agents wins."""
        return await self._moves.claim(session_id, agent, check_capacity=check_capacity)

    async def hand_back(self, session_id: str, agent: Agent) -> Session:
        """Return a session the agent holds to the bot."""
        return await self._moves.hand_back(session_id, agent)

    async def transfer(
        self, session_id: str, agent: Agent, to_agent: Agent | None = None, to_queue: str = ""
    ) -> Session:
        """Give a session to another agent, or put it back in a queue (``to_queue``, or its own)."""
        return await self._moves.transfer(session_id, agent, to_agent, to_queue)

    async def requeue(self, session_id: str, note: str) -> Session:
        """Put an assigned session back at the front of the queue (its agent was lost)."""
        return await self._moves.requeue(session_id, note)

    async def requeue_lost_agents(self, grace_s: float) -> int:
        """Requeue the chats of agents whose console has been gone longer than ``grace_s``."""
        return await self._moves.requeue_lost_agents(grace_s)

    async def close(self, session_id: str, *, agent: Agent | None = None) -> tuple[Session, SessionState]:
        """End a conversation; returns the closed session and the state it was in just before."""
        return await self._moves.close(session_id, agent=agent)

    async def assign_waiting(self) -> list[Session]:
        """One automatic-assignment pass over the ``auto`` queues; returns the sessions assigned."""
        return await self._assigner.assign_waiting()

    async def run_assignment(self, interval_s: float) -> None:
        """Assign waiting chats whenever one may be assigned (see :mod:`handoff.assignment`), until cancelled."""
        await self._assigner.run(self._bus, interval_s)

    # --- queue views ----------------------------------------------------------------------

    async def queue(self) -> list[QueueItem]:
        """Waiting sessions (oldest first), then sessions being handled."""
        return await self._queue.queue()

    async def held_by(self, agent_id: str) -> list[str]:
        """The sessions an agent holds."""
        return await self._queue.held_by(agent_id)

    async def queue_position(self, session_id: str) -> int | None:
        """1-based place in the queue, or None when not queued."""
        return await self._queue.queue_position(session_id)

    async def wait_estimate(self, session_id: str) -> tuple[int | None, float | None]:
        """(1-based queue position, estimated seconds until an agent picks the customer up)."""
        return await self._queue.wait_estimate(session_id)

    async def nobody_available(self) -> bool:
        """Outside business hours, or no agent online: waiting customers are asked for a contact.
        Asked afresh whenever a waiting customer's state is sent, so it follows presence."""
        return await self._moves.nobody_available()

    # --- idle index -----------------------------------------------------------------------

    async def idle_sessions(self, idle_for_s: float) -> list[str]:
        """Open sessions with no message for ``idle_for_s`` seconds (for the idle sweep)."""
        return await self._idle.idle_sessions(idle_for_s)
