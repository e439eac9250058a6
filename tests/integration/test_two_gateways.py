"""Two gateway processes over one Redis work as one; lost agents and gateways lose nothing."""

from __future__ import annotations

import httpx
import pytest

from tests.support.clients import AgentClient, CustomerClient
from tests.support.system import Gateway, RunningSystem

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


async def test_customer_on_one_gateway_chats_live_with_an_agent_on_another(
    system: RunningSystem, gateway_b: Gateway, agent_token: str
) -> None:
    agent = await AgentClient.open(gateway_b.ws_url, agent_token)
    customer = await escalated_customer(system.gateway.ws_url, agent)
    await agent.send({"type": "claim", "session_id": customer.session_id})
    await agent.wait_for(lambda f: f["type"] == "claimed")
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
    customer = await escalated_customer(doomed.ws_url, agent, "connect me with support staff")
    await agent.send({"type": "claim", "session_id": customer.session_id})
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
