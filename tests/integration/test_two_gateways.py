"""Two gateway processes over one Redis work as one; lost agents and gateways lose nothing."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import httpx
import pytest
import redis as redis_sync

from handoff import Role, TranscriptEntry, keys
from tests.support.clients import AgentClient, CustomerClient
from tests.support.system import Gateway, RunningSystem, staff_token

pytestmark = [pytest.mark.integration]


@pytest.fixture(scope="module")
def gateway_b(system: RunningSystem) -> Gateway:
    """A second gateway process on its own port (Rasa's actions still go to the first)."""
    if len(system.gateways) < 2:
        system.start_gateway()
    return system.gateways[1]


async def escalated_customer(ws_url: str, agent: AgentClient, text: str = "I want a human") -> CustomerClient:
    customer = await CustomerClient.open(ws_url)
    await customer.bot_reply_after(await customer.say(text))
    await agent.wait_queued(customer.session_id)
    return customer


async def claimed_chat(ws_url: str, agent: AgentClient, text: str) -> CustomerClient:
    """A customer on ``ws_url`` asks for a person, and ``agent`` takes the chat."""
    customer = await escalated_customer(ws_url, agent, text)
    await agent.send({"type": "claim", "session_id": customer.session_id})
    await agent.wait_for(lambda f: f["type"] == "claimed")
    return customer


async def test_customer_on_one_gateway_chats_live_with_an_agent_on_another(
    system: RunningSystem, gateway_b: Gateway, agent_token: str
) -> None:
    agent = await AgentClient.open(gateway_b.ws_url, agent_token)
    customer = await claimed_chat(system.gateway.ws_url, agent, "I want a human")
    await agent.reply(customer.session_id, "Hello from gateway B")
    await customer.wait_for(lambda f: f["type"] == "message" and f["text"] == "Hello from gateway B")
    await customer.say("Hello back from gateway A")
    await agent.wait_for(lambda f: f["type"] == "message" and f["text"] == "Hello back from gateway A")
    await agent.send({"type": "resolve", "session_id": customer.session_id})
    assert (await customer.wait_for(lambda f: f["type"] == "ended"))["outcome"] == "agent_resolved"
    await customer.close()
    await agent.close()


async def test_an_agent_whose_connection_drops_has_the_chat_requeued_and_the_customer_told(
    system: RunningSystem, gateway_b: Gateway, agent_token: str, supervisor_token: str
) -> None:
    watcher = await AgentClient.open(system.gateway.ws_url, supervisor_token)
    agent = await AgentClient.open(gateway_b.ws_url, agent_token)
    customer = await escalated_customer(system.gateway.ws_url, agent, "can I talk to a real person please")
    await agent.send({"type": "claim", "session_id": customer.session_id})
    await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "assigned")
    await agent.close()  # the console is gone; the grace period (2 s in tests) runs

    note = await customer.wait_for(
        lambda f: f["type"] == "message" and f["text"].startswith("Your agent was disconnected"), timeout_s=20)
    assert note["role"] == "system"
    requeued = await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "queued", timeout_s=20,
                                       start=customer.frames.index(note))
    assert requeued["position"] == 1
    queue = httpx.get(f"{system.gateway.url}/api/handoff/queue",
                      headers={"Authorization": f"Bearer {supervisor_token}"}).json()
    waiting = [item["session_id"] for item in queue if item["state"] == "queued"]
    assert waiting[0] == customer.session_id  # at the front, ahead of older waiting customers
    await customer.send({"type": "end"})
    await customer.close()
    await watcher.close()


async def test_a_killed_gateway_loses_no_message_when_the_customer_reconnects_elsewhere(
    system: RunningSystem, agent_token: str
) -> None:
    doomed = system.start_gateway()
    agent = await AgentClient.open(system.gateway.ws_url, agent_token)
    # Claimed before the customer speaks: words said while the claim is still being answered come
    # in the ``claimed`` frame's transcript instead of as live messages (counted below).
    customer = await claimed_chat(doomed.ws_url, agent, "connect me with support staff")
    await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "assigned")
    for text in ("one", "two", "three"):
        await customer.say(text)
    last_seen = customer.messages()[-1]["id"]

    doomed.child.kill()
    system.gateways.remove(doomed)
    await agent.reply(customer.session_id, "sent while you were away")

    resumed = await CustomerClient.open(system.gateway.ws_url, token=customer.session_token,
                                        last_message_id=last_seen)
    missed = await resumed.wait_for(lambda f: f["type"] == "message" and f["text"] == "sent while you were away")
    assert missed["role"] == "agent"
    await resumed.say("four")
    await agent.wait_for(lambda f: f["type"] == "message" and f["text"] == "four")
    texts = [m["text"] for m in agent.messages("customer") if m["session_id"] == customer.session_id]
    assert texts.count("one") == texts.count("four") == 1
    await resumed.send({"type": "end"})
    await resumed.close()
    await agent.close()


async def test_a_message_whose_live_event_was_missed_is_still_delivered_in_order(
    system: RunningSystem, gateway_b: Gateway, agent_token: str
) -> None:
    """Each message event names the message before it. A message stored without an event (as if
    the gateway had missed it) shows up as a gap when the next one arrives, and is read back first."""
    agent = await AgentClient.open(gateway_b.ws_url, agent_token)
    customer = await claimed_chat(system.gateway.ws_url, agent, "please get me a human")
    missed = store_without_event(system.redis_url, customer.session_id, "stored behind the gateway's back")
    await agent.reply(customer.session_id, "after the gap")

    await customer.wait_for(lambda f: f["type"] == "message" and f["text"] == "after the gap")
    texts = [m["text"] for m in customer.messages()]
    assert texts[-2:] == ["stored behind the gateway's back", "after the gap"]
    assert [f.get("id") for f in customer.frames].count(missed) == 1
    await customer.send({"type": "end"})
    await customer.close()
    await agent.close()


async def test_after_the_live_bus_reconnects_both_sides_read_what_they_missed(
    system: RunningSystem, gateway_b: Gateway, agent_token: str
) -> None:
    """The gateways' Redis subscriptions are cut: once re-subscribed, they tell every socket to
    resync, well before the slow poll would."""
    agent = await AgentClient.open(gateway_b.ws_url, agent_token)
    customer = await claimed_chat(system.gateway.ws_url, agent, "I'd like to talk to an agent")
    store_without_event(system.redis_url, customer.session_id, "sent while the bus was down")
    live = redis_sync.Redis.from_url(system.redis_url, decode_responses=True)
    database = system.redis_url.rsplit("/", 1)[1]
    subscribers = [c["id"] for c in live.client_list() if c["db"] == database and int(c["psub"]) > 0]
    assert subscribers
    for client_id in subscribers:  # only this run's gateways subscribe in this database
        live.client_kill_filter(_id=client_id)

    for side in (customer, agent):
        await side.wait_for(lambda f: f["type"] == "message" and f["text"] == "sent while the bus was down",
                            timeout_s=10)
    await customer.send({"type": "end"})
    await customer.close()
    await agent.close()


async def test_a_transfer_to_an_offline_colleague_is_refused_and_the_chat_stays(
    system: RunningSystem, gateway_b: Gateway, agent_token: str, supervisor_token: str
) -> None:
    agent = await AgentClient.open(gateway_b.ws_url, agent_token)
    ready = next(f for f in agent.frames if f["type"] == "ready")
    assert (ready["presence"], ready["capacity"]) == ("online", 50)
    colleague = await AgentClient.open(system.gateway.ws_url, staff_token(system.gateway.url, "agent2"))
    await colleague.send({"type": "logout"})  # off shift: offline
    await presence_becomes(system.gateway.url, supervisor_token, "agent2", "offline")
    customer = await claimed_chat(system.gateway.ws_url, agent, "can I speak to a person")

    start = len(agent.frames)
    await agent.send({"type": "transfer", "session_id": customer.session_id, "to_agent_id": "agent2"})
    refused = await agent.wait_for(lambda f: f["type"] == "error", start=start)
    assert refused["code"] == "agent_unavailable" and "Blair Agent is offline" in refused["detail"]
    await agent.reply(customer.session_id, "Still with me")  # the chat stayed with this agent
    await customer.wait_for(lambda f: f["type"] == "message" and f["text"] == "Still with me")
    await customer.send({"type": "end"})
    await customer.close()
    await colleague.close()
    await agent.close()


async def test_a_reloaded_widget_learns_the_contact_it_left_and_refusals_name_the_frame(
    system: RunningSystem, gateway_b: Gateway, agent_token: str
) -> None:
    agent = await AgentClient.open(gateway_b.ws_url, agent_token)
    customer = await escalated_customer(system.gateway.ws_url, agent, "connect me with a human please")
    queued = (await agent.wait_queued(customer.session_id))["sessions"]
    [item] = [s for s in queued if s["session_id"] == customer.session_id]
    assert datetime.fromisoformat(item["queued_at"]).utcoffset() == timedelta(0)

    await customer.send({"type": "contact", "client_id": "c-bad", "contact": "not an address", "text": "help"})
    refused = await customer.wait_for(lambda f: f["type"] == "error")
    assert (refused["code"], refused["ref"]) == ("invalid_frame", "c-bad")
    await customer.send({"type": "contact", "client_id": "c-ok", "contact": "ada@example.com",
                         "text": "my hub is amber"})
    await customer.wait_for(lambda f: f["type"] == "ack" and f["client_id"] == "c-ok")

    reloaded = await CustomerClient.open(gateway_b.ws_url, token=customer.session_token)
    state = await reloaded.wait_for(lambda f: f["type"] == "state")
    assert (state["state"], state["contact_left"], state["contact"]) == ("queued", True, "ada@example.com")
    await reloaded.send({"type": "end"})
    for client in (customer, reloaded, agent):
        await client.close()


async def presence_becomes(gateway_url: str, supervisor_token: str, agent_id: str, presence: str) -> None:
    """Poll the supervisors' agent list until ``agent_id`` shows ``presence``."""
    deadline = time.monotonic() + 10
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {supervisor_token}"}) as http:
        while time.monotonic() < deadline:
            agents = (await http.get(f"{gateway_url}/api/handoff/agents")).json()
            if any(a["id"] == agent_id and a["presence"] == presence for a in agents):
                return
            await asyncio.sleep(0.1)
    raise AssertionError(f"{agent_id} did not become {presence}")


def store_without_event(redis_url: str, session_id: str, text: str) -> str:
    """Append a system message straight to the transcript, publishing nothing; returns its id."""
    entry = TranscriptEntry(id="", session_id=session_id, role=Role.SYSTEM, text=text, ts=time.time())
    live = redis_sync.Redis.from_url(redis_url, decode_responses=True)
    return str(live.xadd(keys.transcript(session_id), entry.to_fields()))  # type: ignore[arg-type]
