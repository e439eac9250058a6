"""The transcript: storing each message once, reading them back, typing indicators.

Every store is one APPEND script (:mod:`handoff.scripts`): de-duplication by ``client_id``, the
holder check for agents, the XADD, the session's counters and the live ``message`` event happen
in one atomic step.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from redis.asyncio import Redis

from handoff import keys, scripts
from handoff.errors import SessionNotFound, SessionNotHeld
from handoff.live import LiveBus
from handoff.models import Agent, Role, SessionState, TranscriptEntry

_COUNTER_BY_ROLE = {Role.CUSTOMER: "customer_messages"}


@dataclass(frozen=True)
class Stored:
    """A message handed to the transcript: the entry, whether it is new (not a re-send), and the
    session's state when it was stored."""

    entry: TranscriptEntry
    created: bool
    state: SessionState


class Transcript:
    """The session's message stream in Redis, and the live events about it."""

    def __init__(self, redis: Redis, bus: LiveBus, clock: Callable[[], float]) -> None:
        self._redis: Any = redis  # decoded replies (see HandoffService)
        self._bus = bus
        self._clock = clock
        self._append = redis.register_script(scripts.APPEND)

    async def note_once(self, session_id: str, flag: str, text: str) -> None:
        """Tell the customer ``text`` (a system line) the first time ``flag`` is raised on the session."""
        if await self._redis.hsetnx(keys.session(session_id), flag, "1"):
            await self.append(session_id, Role.SYSTEM, text)

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

    async def typing(self, session_id: str, role: Role, on: bool) -> None:
        """Relay a typing indicator to the other side."""
        await self._bus.publish_session(session_id, {"kind": "typing", "role": role.value, "on": on})
