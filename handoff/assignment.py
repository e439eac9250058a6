"""Automatic assignment: the oldest waiting chat goes to the agent best placed to take it.

Per queue, assignment is ``manual`` (agents claim chats from the queue) or ``auto``. In an
``auto`` queue the oldest waiting chat goes to the online agent with the most free places, and
among equals to the one who has waited longest since their last assignment (:func:`choose`).

Who gets which chat is decided here, from a read of the queue and the agents; the assignment
itself is the ASSIGN script (:mod:`handoff.scripts`, shared with ``claim``), which checks again,
atomically, that the chat is still waiting and the agent still online with a free place. A
choice made on a stale read (another gateway assigned meanwhile, an agent went away) fails
there and is made again from a fresh read, so every gateway may run passes at once: none gives a
chat twice or puts an agent over capacity.

A pass runs whenever something may have changed who can take what: a chat joined a queue, a
chat left an agent (resolved, handed back, transferred, requeued), an agent's presence or
capacity changed; and every ``interval_s`` in case an event was missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis

from background import raise_if_cancelled
from handoff import keys
from handoff.errors import SessionNotFound
from handoff.live import RESYNC, Event, LiveBus
from handoff.models import Agent, Session, SessionState
from handoff.moves import Moves
from handoff.presence import Presence
from handoff.sessions import Sessions

logger = logging.getLogger(__name__)
AUTO = "auto"  # ``assigned_by`` of an automatic assignment
READ_CHUNK = 50  # queue entries read at a time while looking for chats to assign
MAX_RETRIES = 20  # fresh reads per pass after choices made on stale data


class AssignmentMode(StrEnum):
    """How a queue's waiting chats reach agents."""

    MANUAL = "manual"  # agents claim them
    AUTO = "auto"  # the next free agent gets them


@dataclass(frozen=True)
class Candidate:
    """An agent who could take a chat now: free places, and when they were last given one (0: never)."""

    agent: Agent
    free: int
    last_assigned: float


def choose(candidates: Iterable[Candidate]) -> Candidate | None:
    """The agent to give the oldest waiting chat to: the most free places, then the longest wait
    since their last assignment (never assigned counts as longest), then the id, so every gateway
    makes the same choice from the same data. None when nobody has a free place."""
    return min((c for c in candidates if c.free > 0), key=lambda c: (-c.free, c.last_assigned, c.agent.id),
               default=None)


class AutoAssigner:
    """Assignment passes over the ``auto`` queues."""

    def __init__(self, redis: Redis, sessions: Sessions, moves: Moves,
                 mode_of: Callable[[str], AssignmentMode], clock: Callable[[], float]) -> None:
        self._redis: Any = redis  # decoded replies (see HandoffService)
        self._sessions = sessions
        self._moves = moves
        self._mode_of = mode_of
        self._clock = clock

    async def assign_waiting(self) -> list[Session]:
        """One pass: give waiting chats of ``auto`` queues, oldest first, to free agents until
        either runs out; returns the sessions assigned."""
        assigned: list[Session] = []
        for _ in range(MAX_RETRIES):
            candidates = await self.candidates()
            waiting = await self._waiting(sum(c.free for c in candidates))
            stale = await self._assign_in_order(waiting, candidates, assigned)
            if not stale:
                break
        return assigned

    async def _assign_in_order(self, waiting: list[str], candidates: list[Candidate],
                               assigned: list[Session]) -> bool:
        """Assign ``waiting`` in order; True when a choice failed on stale data (read again)."""
        by_id = {c.agent.id: c for c in candidates}
        for session_id in waiting:
            chosen = choose(by_id.values())
            if chosen is None:
                return False
            try:
                status, _, _ = await self._moves.assign(session_id, chosen.agent)
            except SessionNotFound:
                continue  # expired meanwhile
            if status == "agent":  # went away, or was given a chat elsewhere: read again
                return True
            if status == "state":  # taken meanwhile (a claim, another gateway): others may have changed
                return True
            by_id[chosen.agent.id] = replace(chosen, free=chosen.free - 1, last_assigned=self._clock())
            assigned.append(await self._moves.joined(session_id, chosen.agent, assigned_by=AUTO))
        return False

    async def candidates(self) -> list[Candidate]:
        """Every agent online with a free place, as stored now."""
        ids = await self._redis.zrange(keys.AGENTS, 0, -1)
        if not ids:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for agent_id in ids:
                pipe.hmget(keys.agent(agent_id), "name", "role", "presence", "capacity")
                pipe.scard(keys.agent_sessions(agent_id))
            pipe.zmscore(keys.LAST_ASSIGNED, ids)
            replies = await pipe.execute()
        last = replies[-1]
        candidates = []
        for index, agent_id in enumerate(ids):
            (name, role, presence, capacity), load = replies[2 * index], replies[2 * index + 1]
            free = int(capacity or 0) - int(load)
            if presence == Presence.ONLINE.value and free > 0:
                candidates.append(Candidate(Agent(agent_id, name or agent_id, role or "agent"), free,
                                            float(last[index] or 0.0)))
        return candidates

    async def _waiting(self, wanted: int) -> list[str]:
        """Up to ``wanted`` waiting chats of ``auto`` queues, oldest first (the queue's order)."""
        found: list[str] = []
        start = 0
        while len(found) < wanted:
            ids = await self._redis.zrange(keys.QUEUE, start, start + READ_CHUNK - 1)
            if not ids:
                break
            for session in await self._sessions.sessions(ids):
                if session.state == SessionState.QUEUED and self._mode_of(session.queue) == AssignmentMode.AUTO:
                    found.append(session.session_id)
            start += READ_CHUNK
        return found[:wanted]

    async def run(self, bus: LiveBus, interval_s: float) -> None:
        """Run a pass after every event that may let a chat be assigned, and every ``interval_s``."""
        wake = asyncio.Event()
        subscription = bus.follow_agents(lambda event: wake.set() if _may_free(event) else None)
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wake.wait(), timeout=interval_s)
                wake.clear()
                try:
                    await self.assign_waiting()
                except Exception:  # e.g. Redis away: the next event or interval tries again
                    raise_if_cancelled()
                    logger.warning("assignment pass failed", exc_info=True)
                    await asyncio.sleep(0.5)
        finally:
            subscription.close()


def _may_free(event: Event) -> bool:
    """Whether an agents' event may let a waiting chat be assigned: a chat queued or leaving an
    agent, a presence or capacity change, or missed events. An automatic assignment only takes
    a place, so it wakes nobody (with many gateways, that would be a pass each)."""
    kind = event.get("kind")
    if kind == "state":
        return event.get("assigned_by") != AUTO
    return kind in ("presence", RESYNC["kind"])
