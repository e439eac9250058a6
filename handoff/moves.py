"""The moves between states: escalate, claim, transfer, hand back, requeue, close.

A session moves ``bot → queued → assigned → (bot | closed)``. Each move is two steps:

1. the TRANSITION script (:mod:`handoff.scripts`) checks the state (and the holder) and sets the
   session hash's fields, atomically: of several agents racing to ``claim``, exactly one wins, and
   two gateways moving one session see one consistent state;
2. then, separately, the indexes follow in one MULTI/EXEC (queue, handoffs, the agent's sessions,
   recent waits, open sessions; ``close`` also sets the keys' expiry), the queue ticket is taken
   (INCR, before that MULTI), a system note is appended (its own APPEND script) and the new state is
   announced (the hash read again, then published).

A claim (and an automatic assignment, :mod:`handoff.assignment`) is one ASSIGN script instead: the
state check, the agent's presence and capacity check, the agent's sessions, the queue and the
agent's last-assignment time change together, so no agent is ever over capacity; its note and
``state`` event follow. An escalation's queue ticket and queue entry are one ENQUEUE script, so
the queue's order is always the arrival order.

Step 2 is not atomic with step 1: between them (or after a crash between them) the indexes lag the
hash. The hash is the truth: the queue view keeps only sessions whose hash says queued or assigned.
``requeue`` reads the front of the queue, then writes: two requeues at once may share a score.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis

from handoff import keys, scripts
from handoff.errors import (
    AgentAtCapacity,
    AgentUnavailable,
    HandoffError,
    InvalidTransition,
    SessionAlreadyClaimed,
    SessionNotFound,
    SessionNotHeld,
)
from handoff.events import ConversationEvent, EventSink, NoEvents
from handoff.live import LiveBus
from handoff.models import Agent, Role, Session, SessionState, TranscriptEntry
from handoff.presence import Presence, PresenceRegistry
from handoff.sessions import Sessions
from handoff.transcript import Transcript

CLOSED_SESSION_TTL_S = 24 * 3600  # default of Settings.privacy.closed_session_ttl_s (docs/privacy.md)
LOST_AGENT_NOTE = (
    "Your agent was disconnected. You are at the front of the queue; the next available person "
    "will continue with the whole conversation."
)


class Moves:
    """The state changes of a session, their index updates, notes and live events."""

    def __init__(
        self,
        redis: Redis,
        bus: LiveBus,
        presence: PresenceRegistry,
        sessions: Sessions,
        transcript: Transcript,
        *,
        default_queue: str,
        is_open: Callable[[], bool],
        clock: Callable[[], float],
        closed_ttl_s: int = CLOSED_SESSION_TTL_S,
        events: EventSink | None = None,
    ) -> None:
        self._closed_ttl_s = closed_ttl_s  # how long a closed session's keys stay
        self._events: EventSink = events or NoEvents()  # told after each move (handoff.events)
        self._redis: Any = redis  # decoded replies (see HandoffService)
        self._bus = bus
        self._presence = presence
        self._sessions = sessions
        self._transcript = transcript
        self._default_queue = default_queue
        self._is_open = is_open
        self._clock = clock
        self._transition = redis.register_script(scripts.TRANSITION)
        self._enqueue = redis.register_script(scripts.ENQUEUE)
        self._assign = redis.register_script(scripts.ASSIGN)

    async def escalate(self, session_id: str, reason: str, *, product: str = "", queue: str = "",
                       why: dict[str, Any] | None = None) -> Session:
        """Put a bot conversation in the human queue (no-op if it already is with a person).

        ``why`` is the bot's record of the decision (signals and rule), shown to the agent.

        With no agent online, or outside business hours, the session is marked ``offline``: it
        waits as a ticket, the caller asks the customer for a contact (``offline_note``), and
        agents find it when they come online.
        """
        now = self._clock()
        offline = await self.nobody_available()
        fields = {"state": SessionState.QUEUED.value, "reason": reason, "queued_at": repr(now), "escalated": "1",
                  "queue": queue or self._default_queue, "offline": "1" if offline else "0"}
        if product:
            fields["product"] = product
        fields["why"] = json.dumps(why or {}, separators=(",", ":"))  # a later handover replaces it
        status, _, _ = await self._move(session_id, "escalate", {SessionState.BOT}, fields, strict=False)
        if status == "ok":
            await self._enqueue(keys=[keys.QUEUE_TICKETS, keys.QUEUE, keys.HANDOFFS, keys.session(session_id)],
                                args=[session_id, repr(now)])
        session = await self._announce(session_id)
        if status == "ok":
            await self._events.emit(ConversationEvent.ESCALATED, session)
        return session

    async def nobody_available(self) -> bool:
        """Outside business hours, or no agent online: a waiting customer should leave a contact."""
        return not self._is_open() or await self._presence.online_agents() == 0

    async def _next_ticket(self) -> int:
        """A queue ticket number: the queue is ordered by arrival across all gateways.

        Numbers from one Redis counter, not timestamps, so two customers escalating in the same
        instant (or on gateways whose clocks disagree) still keep a strict first-come order.
        """
        return int(await self._redis.incr(keys.QUEUE_TICKETS))

    async def cancel_escalation(self, session_id: str) -> Session:
        """The customer changed their mind while waiting: back to the bot."""
        await self._move(session_id, "cancel", {SessionState.QUEUED}, {"state": SessionState.BOT.value})
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(keys.QUEUE, session_id)
            pipe.zrem(keys.HANDOFFS, session_id)
            await pipe.execute()
        await self._transcript.append(session_id, Role.SYSTEM, "You are back with the assistant.")
        return await self._announce(session_id)

    async def leave_contact(self, session_id: str, contact: str, question: str, client_id: str) -> TranscriptEntry:
        """An offline ticket: keep the customer's contact and question for the next agent online.

        The session leaves the idle sweep, so the ticket waits until an agent takes it.
        """
        await self._move(session_id, "leave a contact on", {SessionState.QUEUED},
                         {"contact": contact, "offline": "1"})
        entry, _ = await self._transcript.append(session_id, Role.CUSTOMER, question, client_id=client_id)
        await self._redis.zrem(keys.OPEN_SESSIONS, session_id)
        session = await self._announce(session_id)
        await self._events.emit(ConversationEvent.OFFLINE_TICKET, session, question_id=entry.id)
        return entry

    async def claim(self, session_id: str, agent: Agent, *, check_capacity: bool = True) -> Session:
        """Give a queued session to ``agent``; exactly one of several racing agents wins."""
        status, state, holder = await self.assign(session_id, agent, check_capacity=check_capacity)
        if status == "state" and state == SessionState.ASSIGNED.value:
            raise SessionAlreadyClaimed(session_id, holder)
        if status == "state":
            raise InvalidTransition(session_id, state, "claim")
        if status == "agent":
            raise AgentAtCapacity(agent.id)
        return await self.joined(session_id, agent, assigned_by=agent.id)

    async def assign(self, session_id: str, agent: Agent, *, check_capacity: bool = True) -> tuple[str, str, str]:
        """The ASSIGN script (:mod:`handoff.scripts`): a queued session to ``agent``, atomically.

        Returns (status, state, holder): ``ok``; ``state`` when the session is not queued (its
        state and holder); ``agent`` when the agent is away, offline or full (with
        ``check_capacity``). Raises SessionNotFound. The caller announces a success (:meth:`joined`).
        """
        status, state, holder = await self._assign(
            keys=[keys.session(session_id), keys.agent(agent.id), keys.agent_sessions(agent.id), keys.QUEUE,
                  keys.LAST_ASSIGNED, keys.RECENT_WAITS],
            args=[session_id, agent.id, agent.name, repr(self._clock()), "1" if check_capacity else ""],
        )
        if status == "missing":
            raise SessionNotFound(session_id)
        return status, state, holder

    async def joined(self, session_id: str, agent: Agent, *, assigned_by: str) -> Session:
        """After an assignment: tell the customer who joined, and announce it (``assigned_by``: the
        agent who claimed, a supervisor, or ``auto``)."""
        await self._transcript.append(session_id, Role.SYSTEM, f"{agent.name} joined the conversation.")
        session = await self._announce(session_id, assigned_by=assigned_by)
        await self._events.emit(ConversationEvent.ASSIGNED, session, by_agent_id=agent.id)
        return session

    async def hand_back(self, session_id: str, agent: Agent) -> Session:
        """Return a session the agent holds to the bot."""
        await self._move(
            session_id, "hand back", {SessionState.ASSIGNED},
            {"state": SessionState.BOT.value, "agent_id": "", "agent_name": ""}, agent_id=agent.id,
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(keys.HANDOFFS, session_id)
            pipe.srem(keys.agent_sessions(agent.id), session_id)
            await pipe.execute()
        await self._transcript.append(session_id, Role.SYSTEM, "You are back with the assistant.")
        return await self._announce(session_id)

    async def transfer(
        self, session_id: str, agent: Agent, to_agent: Agent | None = None, to_queue: str = ""
    ) -> Session:
        """Give a session to another agent, or put it back in a queue (``to_queue``, or its own).

        The holder may transfer their session; supervisors and admins may move any open handoff,
        including assigning a waiting one to an agent. The target agent must be able to take it
        (see :meth:`_check_target`).
        """
        supervising = agent.may_supervise
        allowed = {SessionState.ASSIGNED, SessionState.QUEUED} if supervising else {SessionState.ASSIGNED}
        if to_agent is not None:
            await self._check_target(to_agent, supervising=supervising)
            fields = {"state": SessionState.ASSIGNED.value, "agent_id": to_agent.id, "agent_name": to_agent.name,
                      "claimed_at": repr(self._clock())}
        else:
            fields = {"state": SessionState.QUEUED.value, "agent_id": "", "agent_name": ""}
        if to_queue:
            fields["queue"] = to_queue
        _, previous_state, previous_agent = await self._move(
            session_id, "transfer", allowed, fields, agent_id="" if supervising else agent.id)
        ticket = await self._next_ticket()
        async with self._redis.pipeline(transaction=True) as pipe:
            if previous_agent:
                pipe.srem(keys.agent_sessions(previous_agent), session_id)
            if to_agent is not None:
                pipe.sadd(keys.agent_sessions(to_agent.id), session_id)
                pipe.zrem(keys.QUEUE, session_id)
                pipe.zadd(keys.LAST_ASSIGNED, {to_agent.id: self._clock()})
            else:
                pipe.zadd(keys.QUEUE, {session_id: ticket})
            await pipe.execute()
        note = f"{to_agent.name} took over the conversation." if to_agent else "You are back in the queue."
        await self._transcript.append(session_id, Role.SYSTEM, note)
        session = await self._announce(session_id, assigned_by=agent.id if to_agent else "")
        if previous_state == SessionState.QUEUED.value and to_agent is not None:  # a supervisor assigned it
            await self._events.emit(ConversationEvent.ASSIGNED, session, by_agent_id=agent.id)
        else:
            await self._events.emit(ConversationEvent.TRANSFERRED, session, by_agent_id=agent.id,
                                    from_agent_id=previous_agent, to_queue=to_queue)
        return session

    async def set_labels(self, session_id: str, labels: tuple[str, ...]) -> Session:
        """Replace a waiting or held conversation's labels and tell every console.

        The state check and the write are one TRANSITION script; two agents labelling at once
        each replace the whole list, so the later one wins.
        """
        await self._move(session_id, "label", {SessionState.QUEUED, SessionState.ASSIGNED},
                         {"labels": json.dumps(list(labels), separators=(",", ":"))})
        await self._bus.publish_agents({"kind": "labels", "session_id": session_id, "labels": list(labels)})
        return await self._sessions.get_session(session_id)

    async def _check_target(self, target: Agent, *, supervising: bool) -> None:
        """Refuse a transfer to an agent who cannot take the chat.

        Nobody may give a chat to an offline agent: the lost-agent sweep would put it straight
        back in the queue. Agents may not hand one to a colleague who is away or full;
        supervisors may (they are deciding who works on what).
        """
        presence, load, capacity = await self._presence.availability(target.id)
        if presence == Presence.OFFLINE:
            raise AgentUnavailable(target.name, "is offline")
        if supervising:
            return
        if presence != Presence.ONLINE:
            raise AgentUnavailable(target.name, f"is {presence.value}")
        if load >= capacity:
            raise AgentUnavailable(target.name, f"already has {load} of {capacity} chats")

    async def requeue(self, session_id: str, note: str) -> Session:
        """Put an assigned session back at the front of the queue (its agent was lost)."""
        _, _, previous_agent = await self._move(
            session_id, "requeue", {SessionState.ASSIGNED},
            {"state": SessionState.QUEUED.value, "agent_id": "", "agent_name": ""})
        front = await self._redis.zrange(keys.QUEUE, 0, 0, withscores=True)
        score = (front[0][1] - 1.0) if front else await self._next_ticket()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.srem(keys.agent_sessions(previous_agent), session_id)
            pipe.zadd(keys.QUEUE, {session_id: score})
            await pipe.execute()
        await self._transcript.append(session_id, Role.SYSTEM, note)
        return await self._announce(session_id)

    async def requeue_lost_agents(self, grace_s: float) -> int:
        """Requeue the chats of agents whose console has been gone longer than ``grace_s``."""
        moved = 0
        for agent_id in await self._presence.lost_agents(grace_s):
            for session_id in await self._redis.smembers(keys.agent_sessions(agent_id)):
                try:
                    await self.requeue(session_id, LOST_AGENT_NOTE)
                    moved += 1
                except HandoffError:
                    await self._redis.srem(keys.agent_sessions(agent_id), session_id)  # stale entry
        return moved

    async def close(
        self, session_id: str, *, agent: Agent | None = None
    ) -> tuple[Session, SessionState]:
        """End a conversation (by the customer, an agent, or the idle sweep).

        Returns the closed session and the state it was in just before, which decides its outcome.
        """
        open_states = {SessionState.BOT, SessionState.QUEUED, SessionState.ASSIGNED}
        holder = agent.id if agent and not agent.may_supervise else ""
        fields = {"state": SessionState.CLOSED.value, "closed_at": repr(self._clock())}
        if agent:
            fields["resolved_by"] = agent.id
        _, previous, previous_agent = await self._move(session_id, "close", open_states, fields, agent_id=holder)
        async with self._redis.pipeline(transaction=True) as pipe:
            if previous_agent:
                pipe.srem(keys.agent_sessions(previous_agent), session_id)
            pipe.zrem(keys.QUEUE, session_id)
            pipe.zrem(keys.HANDOFFS, session_id)
            pipe.zrem(keys.OPEN_SESSIONS, session_id)
            for key in (keys.session(session_id), keys.transcript(session_id), keys.dedupe(session_id)):
                pipe.expire(key, self._closed_ttl_s)
            await pipe.execute()
        return await self._announce(session_id), SessionState(previous)

    async def _move(
        self,
        session_id: str,
        verb: str,
        allowed: set[SessionState],
        fields: dict[str, str],
        *,
        agent_id: str = "",
        strict: bool = True,
    ) -> tuple[str, str, str]:
        """Run the TRANSITION script; raise the matching error unless ``strict`` is off."""
        flat = [item for pair in fields.items() for item in pair]
        status, state, holder = await self._transition(
            keys=[keys.session(session_id)], args=[",".join(s.value for s in allowed), agent_id, *flat]
        )
        if status == "missing":
            raise SessionNotFound(session_id)
        if strict and status == "state":
            raise InvalidTransition(session_id, state, verb)
        if strict and status == "agent":
            raise SessionNotHeld(session_id)
        return status, state, holder

    async def _announce(self, session_id: str, *, assigned_by: str = "") -> Session:
        """Publish the session's new state to its followers and to every agent console.

        ``ts`` is when it was announced, ``queued_at`` when the chat last joined the queue, and
        ``assigned_by`` who gave an assigned chat to its agent (the agent, a supervisor, or ``auto``):
        consoles notify an agent of chats they did not take themselves.
        """
        session = await self._sessions.get_session(session_id)
        event = {"kind": "state", "session_id": session_id, "state": session.state.value,
                 "reason": session.reason, "agent_id": session.agent_id, "agent_name": session.agent_name,
                 "queue": session.queue, "queued_at": session.queued_at, "assigned_by": assigned_by,
                 "ts": self._clock()}
        await self._bus.publish_session(session_id, event)
        await self._bus.publish_agents(event)
        return session
