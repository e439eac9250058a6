"""Agent presence and capacity, kept alive by heartbeats in Redis.

A console's gateway refreshes its agent's presence every few seconds. When the socket closes the
agent becomes ``away``; when the gateway itself dies the heartbeats stop and the presence hash
expires. Either way, after a grace period the agent counts as lost and their chats are requeued
(by :meth:`handoff.HandoffService.requeue_lost_agents`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from redis.asyncio import Redis

from handoff import keys
from handoff.live import LiveBus
from handoff.models import Agent


class Presence(StrEnum):
    """Whether an agent takes new chats."""

    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(frozen=True)
class AgentStatus:
    """One agent as supervisors see them."""

    id: str
    name: str
    role: str
    presence: Presence
    capacity: int
    load: int
    last_seen: float

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self) | {"presence": self.presence.value}


class PresenceRegistry:
    """Heartbeats in, agent statuses out."""

    def __init__(self, redis: Redis, bus: LiveBus, ttl_s: float, clock: Callable[[], float] = time.time) -> None:
        self._redis: Any = redis  # decoded replies (see HandoffService)
        self._bus = bus
        self._ttl_ms = int(ttl_s * 1000)
        self._clock = clock

    async def heartbeat(self, agent: Agent, presence: Presence, capacity: int) -> None:
        """Record that ``agent``'s console is connected, with its presence and capacity."""
        now = self._clock()
        key = keys.agent(agent.id)
        previous = await self._redis.hmget(key, "presence", "capacity")
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"name": agent.name, "role": agent.role, "presence": presence.value,
                                    "capacity": str(capacity), "last_seen": repr(now)})
            pipe.pexpire(key, self._ttl_ms)
            pipe.zadd(keys.AGENTS, {agent.id: now})
            await pipe.execute()
        if previous != [presence.value, str(capacity)]:  # waiting customers and assignment care
            await self._bus.publish_agents({"kind": "presence", "agent_id": agent.id, "presence": presence.value,
                                            "capacity": capacity})

    async def disconnected(self, agent: Agent, *, logged_out: bool) -> None:
        """The console went away: ``offline`` when the agent logged out, else ``away`` until they return."""
        presence = Presence.OFFLINE if logged_out else Presence.AWAY
        await self._redis.hset(keys.agent(agent.id), "presence", presence.value)
        await self._bus.publish_agents({"kind": "presence", "agent_id": agent.id, "presence": presence.value})

    async def statuses(self) -> list[AgentStatus]:
        """Every agent seen recently, with load; an expired presence reads as offline."""
        ids = await self._redis.zrange(keys.AGENTS, 0, -1)
        async with self._redis.pipeline(transaction=False) as pipe:
            for agent_id in ids:
                pipe.hgetall(keys.agent(agent_id))
                pipe.scard(keys.agent_sessions(agent_id))
            replies = await pipe.execute()
        last_seen = dict(await self._redis.zrange(keys.AGENTS, 0, -1, withscores=True))
        statuses = []
        for index, agent_id in enumerate(ids):
            raw, load = replies[2 * index], replies[2 * index + 1]
            statuses.append(AgentStatus(
                id=agent_id, name=raw.get("name", agent_id), role=raw.get("role", "agent"),
                presence=Presence(raw.get("presence", Presence.OFFLINE.value)),
                capacity=int(raw.get("capacity", "0")), load=int(load), last_seen=float(last_seen[agent_id]),
            ))
        return statuses

    async def online_agents(self) -> int:
        """How many agents are online now (their presence is alive and ``online``): one read of
        each agent's presence field, since escalations and wait estimates ask often."""
        ids = await self._redis.zrange(keys.AGENTS, 0, -1)
        if not ids:
            return 0
        async with self._redis.pipeline(transaction=False) as pipe:
            for agent_id in ids:
                pipe.hget(keys.agent(agent_id), "presence")
            presences = await pipe.execute()
        return sum(1 for presence in presences if presence == Presence.ONLINE.value)

    async def availability(self, agent_id: str) -> tuple[Presence, int, int]:
        """(presence, chats held, capacity) of one agent; an expired presence reads as offline."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.agent(agent_id))
            pipe.scard(keys.agent_sessions(agent_id))
            raw, load = await pipe.execute()
        return Presence(raw.get("presence", Presence.OFFLINE.value)), int(load), int(raw.get("capacity", "0"))

    async def free_capacity(self, agent_id: str) -> int:
        """How many more chats the agent may take (0 when away, offline or full)."""
        presence, load, capacity = await self.availability(agent_id)
        return max(0, capacity - load) if presence == Presence.ONLINE else 0

    async def lost_agents(self, grace_s: float) -> list[str]:
        """Agents holding chats whose console has been gone (away, or silent) for over ``grace_s``."""
        lost = []
        for status in await self.statuses():
            silent_for = self._clock() - status.last_seen
            # An expired presence (the gateway died) reads as offline, so one test covers both cases.
            if status.load and status.presence != Presence.ONLINE and silent_for > grace_s:
                lost.append(status.id)
        return lost
