"""The handoff service: the verbs a person uses on a conversation, over Redis.

A session moves ``bot → queued → assigned → (bot | closed)``; every move is one Lua script on the
session's hash, so two agents racing to ``claim`` cannot both win, and two gateways racing on the
same session see one consistent state. Each move publishes a live event so every gateway's sockets
learn of it.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
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
from handoff.live import LiveBus
from handoff.models import Agent, Role, Session, SessionState, TranscriptEntry, iso_utc
from handoff.presence import Presence, PresenceRegistry

DEFAULT_WAIT_S = 60.0
OFFLINE_NOTE = (
    "Nobody from our team is available right now. Leave your e-mail address or phone number and "
    "your question, and we will get back to you."
)
LOST_AGENT_NOTE = (
    "Your agent was disconnected. You are at the front of the queue; the next available person "
    "will continue with the whole conversation."
)
_COUNTER_BY_ROLE = {Role.CUSTOMER: "customer_messages"}


@dataclass(frozen=True)
class Stored:
    """A message handed to the transcript: the entry, whether it is new (not a re-send), and the
    session's state when it was stored."""

    entry: TranscriptEntry
    created: bool
    state: SessionState


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

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (``queued_at`` in the protocol's ISO 8601 UTC)."""
        queued_at = None if self.queued_at is None else iso_utc(self.queued_at)
        return asdict(self) | {"state": self.state.value, "queued_at": queued_at}


class HandoffService:
    """Sessions, transcripts, the queue and their live events."""

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
        closed_ttl_s: int = 24 * 3600,
    ) -> None:
        """``closed_ttl_s``: how long a closed session's keys stay (Settings.privacy.closed_session_ttl_s)."""
        # Typed as Any: redis-py types replies as unions over its decode modes, and this client
        # always decodes (decode_responses=True), so every reply here is str-based.
        self._redis: Any = redis
        self._bus = bus
        self.presence = presence
        self._default_queue = default_queue
        self._is_open = is_open
        self.offline_note = offline_note
        self._clock = clock
        self._closed_ttl_s = closed_ttl_s
        self._transition = redis.register_script(scripts.TRANSITION)
        self._append = redis.register_script(scripts.APPEND)

    # --- sessions -------------------------------------------------------------------------

    async def start_session(self) -> Session:
        """Open a new conversation with the bot."""
        session_id = uuid.uuid4().hex
        now = self._clock()
        fields = {"state": SessionState.BOT.value, "created_at": repr(now), "last_activity": repr(now)}
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.session(session_id), mapping=fields)
            pipe.zadd(keys.OPEN_SESSIONS, {session_id: now})
            await pipe.execute()
        return Session.from_hash(session_id, fields)

    async def get_session(self, session_id: str) -> Session:
        """The session's current state; raises SessionNotFound."""
        raw = await self._redis.hgetall(keys.session(session_id))
        if not raw:
            raise SessionNotFound(session_id)
        return Session.from_hash(session_id, raw)

    async def sessions(self, session_ids: Sequence[str]) -> list[Session]:
        """Snapshots of several sessions in one round trip, skipping those that vanished."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for session_id in session_ids:
                pipe.hgetall(keys.session(session_id))
            raws = await pipe.execute()
        return [Session.from_hash(sid, raw) for sid, raw in zip(session_ids, raws, strict=True) if raw]

    # --- transcript -----------------------------------------------------------------------

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
        stored = await self._store(self._draft(session_id, role, text, client_id=client_id, agent_name=agent_name,
                                               internal=internal, extra=extra))
        return stored.entry, stored.created

    async def customer_message(self, session_id: str, text: str, client_id: str) -> Stored:
        """Store a customer's message once and announce it.

        The result carries the session's state when the message was stored, so the caller knows
        whether the bot should answer (only while the session is with the bot) without reading
        the session again on every message.
        """
        return await self._store(self._draft(session_id, Role.CUSTOMER, text, client_id=client_id))

    def _draft(self, session_id: str, role: Role, text: str, *, client_id: str = "", agent_name: str = "",
               internal: bool = False, extra: dict[str, Any] | None = None) -> TranscriptEntry:
        return TranscriptEntry(id="", session_id=session_id, role=role, text=text, ts=self._clock(),
                               client_id=client_id, agent_name=agent_name, internal=internal, extra=extra or {})

    async def _store(self, draft: TranscriptEntry, *, holder: str = "", set_once: str = "") -> Stored:
        """One round trip: the APPEND script de-duplicates, stores, counts and publishes.

        ``holder``: the agent who must hold the session; ``set_once``: a session field set to the
        message's time if it is not set yet.
        """
        session_id, fields = draft.session_id, draft.to_fields()
        entry_id, status, state = await self._append(
            keys=[keys.dedupe(session_id), keys.transcript(session_id), keys.session(session_id)],
            args=[draft.client_id, repr(draft.ts), _COUNTER_BY_ROLE.get(draft.role, ""), holder, set_once,
                  keys.live_session(session_id), json.dumps(fields, separators=(",", ":")),
                  *(item for pair in fields.items() for item in pair)],
        )
        if status == -1:
            raise SessionNotFound(session_id)
        if status == -2:
            raise SessionNotHeld(session_id)
        if status == 0:
            return Stored(await self._entry(session_id, entry_id), False, SessionState(state))
        return Stored(replace(draft, id=entry_id), True, SessionState(state))

    async def transcript(
        self, session_id: str, after: str | None = None, *, include_internal: bool = True
    ) -> list[TranscriptEntry]:
        """The session's messages, oldest first, optionally only those after a message id."""
        start = f"({after}" if after else "-"
        rows = await self._redis.xrange(keys.transcript(session_id), min=start, max="+")
        entries = [TranscriptEntry.from_fields(session_id, eid, fields) for eid, fields in rows]
        return [e for e in entries if include_internal or not e.internal]

    async def _entry(self, session_id: str, entry_id: str) -> TranscriptEntry:
        rows = await self._redis.xrange(keys.transcript(session_id), min=entry_id, max=entry_id)
        eid, fields = rows[0]
        return TranscriptEntry.from_fields(session_id, eid, fields)

    async def note_bot_answer(self, session_id: str, article_id: str | None) -> None:
        """Record that the bot answered (from an article, if given): feeds outcomes."""
        key = keys.session(session_id)
        raw = await self._redis.hget(key, "articles")
        articles = json.loads(raw or "[]")
        if article_id and article_id not in articles:
            articles.append(article_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, "kb_answers", 1 if article_id else 0)
            pipe.hset(key, "articles", json.dumps(articles))
            await pipe.execute()

    async def note_once(self, session_id: str, flag: str, text: str) -> None:
        """Tell the customer ``text`` (a system line) the first time ``flag`` is raised on the session."""
        if await self._redis.hsetnx(keys.session(session_id), flag, "1"):
            await self.append(session_id, Role.SYSTEM, text)

    async def typing(self, session_id: str, role: Role, on: bool) -> None:
        """Relay a typing indicator to the other side."""
        await self._bus.publish_session(session_id, {"kind": "typing", "role": role.value, "on": on})

    # --- handoff verbs --------------------------------------------------------------------

    async def escalate(self, session_id: str, reason: str, *, product: str = "", queue: str = "") -> Session:
        """Put a bot conversation in the human queue (no-op if it already is with a person).

        With no agent online, or outside business hours, the session is marked ``offline``: it
        waits as a ticket, the caller asks the customer for a contact (``offline_note``), and
        agents find it when they come online.
        """
        now = self._clock()
        offline = not self._is_open() or await self.presence.online_agents() == 0
        fields = {"state": SessionState.QUEUED.value, "reason": reason, "queued_at": repr(now), "escalated": "1",
                  "queue": queue or self._default_queue, "offline": "1" if offline else "0"}
        if product:
            fields["product"] = product
        status, _, _ = await self._move(session_id, "escalate", {SessionState.BOT}, fields, strict=False)
        if status == "ok":
            ticket = await self._next_ticket()
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.zadd(keys.QUEUE, {session_id: ticket})
                pipe.zadd(keys.HANDOFFS, {session_id: now})
                await pipe.execute()
        return await self._announce(session_id)

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
        await self.append(session_id, Role.SYSTEM, "You are back with the assistant.")
        return await self._announce(session_id)

    async def leave_contact(self, session_id: str, contact: str, question: str, client_id: str) -> TranscriptEntry:
        """An offline ticket: keep the customer's contact and question for the next agent online.

        The session leaves the idle sweep, so the ticket waits until an agent takes it.
        """
        await self._move(session_id, "leave a contact on", {SessionState.QUEUED},
                         {"contact": contact, "offline": "1"})
        entry, _ = await self.append(session_id, Role.CUSTOMER, question, client_id=client_id)
        await self._redis.zrem(keys.OPEN_SESSIONS, session_id)
        await self._announce(session_id)
        return entry

    async def claim(self, session_id: str, agent: Agent, *, check_capacity: bool = True) -> Session:
        """Give a queued session to ``agent``; exactly one of several racing agents wins."""
        if check_capacity and await self.presence.free_capacity(agent.id) <= 0:
            raise AgentAtCapacity(agent.id)
        now = self._clock()
        status, state, holder = await self._move(
            session_id, "claim", {SessionState.QUEUED},
            {"state": SessionState.ASSIGNED.value, "agent_id": agent.id, "agent_name": agent.name,
             "claimed_at": repr(now)},
            strict=False,
        )
        if status != "ok" and state == SessionState.ASSIGNED.value:
            raise SessionAlreadyClaimed(session_id, holder)
        if status != "ok":
            raise InvalidTransition(session_id, state, "claim")
        session = await self.get_session(session_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(keys.QUEUE, session_id)
            pipe.sadd(keys.agent_sessions(agent.id), session_id)
            pipe.lpush(keys.RECENT_WAITS, repr(now - (session.queued_at or now)))
            pipe.ltrim(keys.RECENT_WAITS, 0, 99)
            await pipe.execute()
        await self.append(session_id, Role.SYSTEM, f"{agent.name} joined the conversation.")
        return await self._announce(session_id)

    async def agent_reply(
        self, session_id: str, agent: Agent, text: str, client_id: str, *, internal: bool = False
    ) -> tuple[TranscriptEntry, bool]:
        """Store an agent's reply (or internal note) on a session the agent holds.

        The holder check, the store and the first-reply time are one script: one round trip.
        """
        draft = self._draft(session_id, Role.AGENT, text, client_id=client_id, agent_name=agent.name,
                            internal=internal)
        stored = await self._store(draft, holder=agent.id, set_once="" if internal else "first_agent_reply_at")
        return stored.entry, stored.created

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
        await self.append(session_id, Role.SYSTEM, "You are back with the assistant.")
        return await self._announce(session_id)

    async def transfer(
        self, session_id: str, agent: Agent, to_agent: Agent | None = None, to_queue: str = ""
    ) -> Session:
        """Give a session to another agent, or put it back in a queue (``to_queue``, or its own).

        The holder may transfer their session; supervisors and admins may move any open handoff,
        including assigning a waiting one to an agent. The target agent must be able to take it
        (see :meth:`_check_target`).
        """
        supervising = agent.role in {"supervisor", "admin"}
        allowed = {SessionState.ASSIGNED, SessionState.QUEUED} if supervising else {SessionState.ASSIGNED}
        if to_agent is not None:
            await self._check_target(to_agent, supervising=supervising)
            fields = {"state": SessionState.ASSIGNED.value, "agent_id": to_agent.id, "agent_name": to_agent.name,
                      "claimed_at": repr(self._clock())}
        else:
            fields = {"state": SessionState.QUEUED.value, "agent_id": "", "agent_name": ""}
        if to_queue:
            fields["queue"] = to_queue
        _, _, previous_agent = await self._move(
            session_id, "transfer", allowed, fields, agent_id="" if supervising else agent.id)
        ticket = await self._next_ticket()
        async with self._redis.pipeline(transaction=True) as pipe:
            if previous_agent:
                pipe.srem(keys.agent_sessions(previous_agent), session_id)
            if to_agent is not None:
                pipe.sadd(keys.agent_sessions(to_agent.id), session_id)
                pipe.zrem(keys.QUEUE, session_id)
            else:
                pipe.zadd(keys.QUEUE, {session_id: ticket})
            await pipe.execute()
        note = f"{to_agent.name} took over the conversation." if to_agent else "You are back in the queue."
        await self.append(session_id, Role.SYSTEM, note)
        return await self._announce(session_id)

    async def _check_target(self, target: Agent, *, supervising: bool) -> None:
        """Refuse a transfer to an agent who cannot take the chat.

        Nobody may give a chat to an offline agent: the lost-agent sweep would put it straight
        back in the queue. Agents may not hand one to a colleague who is away or full;
        supervisors may (they are deciding who works on what).
        """
        presence, load, capacity = await self.presence.availability(target.id)
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
        await self.append(session_id, Role.SYSTEM, note)
        return await self._announce(session_id)

    async def requeue_lost_agents(self, grace_s: float) -> int:
        """Requeue the chats of agents whose console has been gone longer than ``grace_s``."""
        moved = 0
        for agent_id in await self.presence.lost_agents(grace_s):
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
        holder = agent.id if agent and agent.role == "agent" else ""
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

    async def _announce(self, session_id: str) -> Session:
        """Publish the session's new state to its followers and to every agent console."""
        session = await self.get_session(session_id)
        event = {"kind": "state", "session_id": session_id, "state": session.state.value,
                 "reason": session.reason, "agent_id": session.agent_id, "agent_name": session.agent_name}
        await self._bus.publish_session(session_id, event)
        await self._bus.publish_agents(event)
        return session

    # --- queue views ----------------------------------------------------------------------

    async def queue(self) -> list[QueueItem]:
        """Waiting sessions (oldest first), then sessions being handled."""
        ids = await self._redis.zrange(keys.HANDOFFS, 0, -1)
        sessions = await self.sessions(ids)
        active = [s for s in sessions if s.state in (SessionState.QUEUED, SessionState.ASSIGNED)]
        order = {sid: rank for rank, sid in enumerate(await self._redis.zrange(keys.QUEUE, 0, -1))}
        active.sort(key=lambda s: (s.state != SessionState.QUEUED, order.get(s.session_id, 0), s.queued_at or 0.0))
        previews = await self._previews([s.session_id for s in active])
        return [
            QueueItem(s.session_id, s.state, s.reason, s.queued_at, s.agent_id, s.agent_name,
                      previews[s.session_id], s.queue, s.product, s.offline, s.contact)
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
        agents = max(1, await self.presence.online_agents())
        return position, round(max(per_place, 5.0) * position / agents, 1)

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
