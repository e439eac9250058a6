"""Automatic assignment across two gateways, waiting customers following presence, and alerts.

A system of its own (no Rasa, its own Redis): every queue is ``auto`` but ``billing``, and agents
take three chats at once. Escalations arrive as Rasa sends them, on the action webhook of either
gateway; agents are on both.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import redis as redis_sync

from bot.core.security import Principal, StaffRole, TokenSigner
from handoff import keys
from tests.support.clients import AgentClient, CustomerClient, Frame, escalate_in_redis, handoff_action_call
from tests.support.system import ACTION_TOKEN, SECRET, RunningSystem, running_system

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CAPACITY = 3
AUTO_SETTINGS = {
    "TANDEM_HANDOFF__ASSIGNMENT": "auto",
    "TANDEM_HANDOFF__ASSIGNMENT_BY_QUEUE": '{"billing": "manual"}',
    "TANDEM_HANDOFF__DEFAULT_CAPACITY": str(CAPACITY),
}


@pytest.fixture(scope="module")
def auto_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    with running_system(tmp_path_factory.mktemp("auto"), with_rasa=False, redis_in_state_dir=True,
                        settings_env=AUTO_SETTINGS) as running:
        running.start_gateway()
        yield running


@pytest.fixture
def live(auto_system: RunningSystem) -> Iterator[redis_sync.Redis]:
    client = redis_sync.Redis.from_url(auto_system.redis_url, decode_responses=True)
    yield client
    client.close()


def agent_token(name: str) -> str:
    return TokenSigner(SECRET, 3600).staff_token(Principal(name, name.title(), StaffRole.AGENT))


async def escalate(http: httpx.AsyncClient, gateway_url: str, session_id: str) -> None:
    response = await http.post(f"{gateway_url}/actions/webhook", params={"token": ACTION_TOKEN},
                               json=handoff_action_call(session_id))
    response.raise_for_status()


async def escalate_all(system: RunningSystem, session_ids: list[str]) -> None:
    """Every escalation at once, alternating between the gateways."""
    async with httpx.AsyncClient(timeout=60) as http:
        await asyncio.gather(*(escalate(http, system.gateways[i % 2].url, sid) for i, sid in enumerate(session_ids)))


def sessions(live: redis_sync.Redis, session_ids: list[str]) -> list[dict[str, str]]:
    return [live.hgetall(keys.session(sid)) for sid in session_ids]  # type: ignore[misc]


async def until(predicate: Any, what: str, timeout_s: float = 15.0) -> float:
    """Poll ``predicate`` until true; returns how long it took."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"{what}: not within {timeout_s}s")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def most_held(frames: list[Frame]) -> int:
    """The most chats any one agent held in any queue snapshot an agent console received."""
    most = 0
    for frame in frames:
        if frame["type"] == "queue":
            counts: dict[str, int] = {}
            for item in frame["sessions"]:
                if item["state"] == "assigned":
                    counts[item["agent_id"]] = counts.get(item["agent_id"], 0) + 1
            most = max([most, *counts.values()])
    return most


async def test_twenty_chats_for_three_agents_fill_every_free_place_in_arrival_order_never_over_capacity(
    auto_system: RunningSystem, live: redis_sync.Redis
) -> None:
    gateways = auto_system.gateways
    agents = [await AgentClient.open(gateways[i % 2].ws_url, agent_token(f"fill{i}")) for i in range(3)]
    customers = [await CustomerClient.open(gateways[i % 2].ws_url) for i in range(20)]
    ids = [c.session_id for c in customers]

    await escalate_all(auto_system, ids)

    def assigned() -> list[dict[str, str]]:
        return [s for s in sessions(live, ids) if s.get("state") == "assigned"]

    await until(lambda: len(assigned()) == 9, "every free place filled")
    by_ticket = sorted(sessions(live, ids), key=lambda s: int(s["ticket"]))
    assert [s["state"] for s in by_ticket] == ["assigned"] * 9 + ["queued"] * 11  # the oldest nine
    loads = {a.agent["id"]: live.scard(keys.agent_sessions(a.agent["id"])) for a in agents}
    assert loads == {"fill0": 3, "fill1": 3, "fill2": 3}

    # A place frees up: the oldest waiting chat goes to whoever has it, at once.
    waiting = [sid for sid in sorted(ids, key=lambda sid: int(live.hget(keys.session(sid), "ticket") or 0))
               if live.hget(keys.session(sid), "state") == "queued"]
    held_by_first = next(iter(live.smembers(keys.agent_sessions("fill0"))))  # type: ignore[call-overload]
    await agents[0].send({"type": "resolve", "session_id": held_by_first})
    took = await until(lambda: live.hget(keys.session(waiting[0]), "agent_id") == "fill0", "the freed place refilled")
    assert took < 3.0  # at once, even on a loaded machine
    for agent, index in ((agents[1], 1), (agents[2], 2)):
        held = next(iter(live.smembers(keys.agent_sessions(f"fill{index}"))))  # type: ignore[call-overload]
        await agent.send({"type": "resolve", "session_id": held})
    await until(lambda: all(live.hget(keys.session(sid), "state") == "assigned" for sid in waiting[1:3]),
                "two more places refilled")
    assert {live.hget(keys.session(sid), "agent_id") for sid in waiting[1:3]} == {"fill1", "fill2"}
    assert all(live.hget(keys.session(sid), "state") == "queued" for sid in waiting[3:])

    # An agent who goes away gets nothing more, even with a free place.
    await agents[2].send({"type": "presence", "presence": "away"})
    await agents[2].wait_for(lambda f: f["type"] == "presence" and f["presence"] == "away")
    held = next(iter(live.smembers(keys.agent_sessions("fill2"))))  # type: ignore[call-overload]
    await agents[2].send({"type": "resolve", "session_id": held})
    await until(lambda: live.scard(keys.agent_sessions("fill2")) == 2, "the away agent's chat resolved")
    await asyncio.sleep(1.0)
    assert live.scard(keys.agent_sessions("fill2")) == 2
    assert live.hget(keys.session(waiting[3]), "state") == "queued"

    assert max(most_held(a.frames) for a in agents) <= CAPACITY
    assert all(live.scard(keys.agent_sessions(a.agent["id"])) <= CAPACITY for a in agents)
    await end_all(live, customers)
    for agent in agents:
        await agent.close()


async def test_a_waiting_customer_stops_seeing_nobody_is_available_when_an_agent_signs_in(
    auto_system: RunningSystem, live: redis_sync.Redis
) -> None:
    await until(lambda: not any(live.hget(keys.agent(a), "presence") == "online"
                                for a in live.zrange(keys.AGENTS, 0, -1)), "nobody online")
    gateway_a, gateway_b = auto_system.gateways
    manual = await CustomerClient.open(gateway_a.ws_url)
    automatic = await CustomerClient.open(gateway_b.ws_url)
    await escalate_in_redis(auto_system.redis_url, manual.session_id, queue="billing")
    async with httpx.AsyncClient(timeout=60) as http:
        await escalate(http, gateway_a.url, automatic.session_id)
    for customer in (manual, automatic):
        state = await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "queued")
        assert state["offline"] is True

    start = len(manual.frames)
    agent = await AgentClient.open(gateway_b.ws_url, agent_token("late"))
    refreshed = await manual.wait_for(lambda f: f["type"] == "state", start=start, timeout_s=5)
    assert (refreshed["state"], refreshed["offline"], refreshed["position"]) == ("queued", False, 1)
    given = await automatic.wait_for(lambda f: f["type"] == "state" and f["state"] == "assigned", timeout_s=5)
    assert given["agent_name"] == "Late"
    await end_all(live, [manual, automatic])
    await agent.close()


async def test_an_agent_is_notified_of_chats_given_to_them_their_customers_messages_and_waiting_chats(
    auto_system: RunningSystem, live: redis_sync.Redis
) -> None:
    gateway_a, gateway_b = auto_system.gateways
    agent = await AgentClient.open(gateway_b.ws_url, agent_token("told"))
    customer = await CustomerClient.open(gateway_a.ws_url)
    async with httpx.AsyncClient(timeout=60) as http:
        await escalate(http, gateway_a.url, customer.session_id)
    assigned = await agent.wait_for(lambda f: f["type"] == "notify" and f["kind"] == "assigned"
                                    and f["session_id"] == customer.session_id)
    assert assigned["queue"] == "general" and assigned["queued_at"] and assigned["ts"]
    waiting = await agent.wait_for(lambda f: f["type"] == "notify" and f["kind"] == "waiting"
                                   and f["session_id"] == customer.session_id)
    assert waiting["queue"] == "general"

    await customer.say("are you there?")
    message = await agent.wait_for(lambda f: f["type"] == "notify" and f["kind"] == "message")
    assert message["session_id"] == customer.session_id

    other = await CustomerClient.open(gateway_a.ws_url)
    await escalate_in_redis(auto_system.redis_url, other.session_id, queue="billing")
    await agent.wait_for(lambda f: f["type"] == "notify" and f["kind"] == "waiting" and f["queue"] == "billing")
    await agent.send({"type": "claim", "session_id": other.session_id})
    await agent.wait_for(lambda f: f["type"] == "claimed")
    await asyncio.sleep(0.5)
    own = [f for f in agent.frames if f["type"] == "notify" and f["kind"] == "assigned"
           and f["session_id"] == other.session_id]
    assert own == []  # their own claim is not news to them
    await end_all(live, [customer, other])
    await agent.close()


async def end_all(live: redis_sync.Redis, customers: list[CustomerClient]) -> None:
    """The customers end their chats, so no chat is left for the next test's agents (an agent's
    chats would otherwise be requeued once their console is gone, and assigned again)."""
    for customer in customers:
        await customer.send({"type": "end"})
    await until(lambda: all(s.get("state") == "closed" for s in sessions(live, [c.session_id for c in customers])),
                "every chat closed")
    for customer in customers:
        await customer.close()
