"""The whole product path over the real protocol: widget → Rasa → KB answer or handoff → agent."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.support.clients import AgentClient, CustomerClient
from tests.support.system import RunningSystem

pytestmark = [pytest.mark.integration]


async def test_product_question_is_answered_from_the_named_article(system: RunningSystem) -> None:
    customer = await CustomerClient.open(system.gateway.ws_url)
    sent = await customer.say("How do I factory reset my Lumen Hub?")
    reply = await customer.bot_reply_after(sent)
    assert reply["role"] == "bot"
    assert reply["article"]["id"] == "hub-reset"
    assert "10" in reply["text"]  # the article's body: hold the button 10 s
    await customer.close()


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("How do I reset my iPhone to factory settings?", "third_party"),
        ("I want to talk to a real person please", "customer_request"),
        ("What's a good recipe for banana bread?", "out_of_scope"),
    ],
)
async def test_out_of_scope_third_party_and_human_requests_are_escalated(
    system: RunningSystem, agent_token: str, question: str, reason: str
) -> None:
    agent = await AgentClient.open(system.gateway.ws_url, agent_token)
    customer = await CustomerClient.open(system.gateway.ws_url)
    sent = await customer.say(question)
    reply = await customer.bot_reply_after(sent)
    assert "connecting you with a person" in reply["text"]
    state = await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "queued")
    assert state["reason"] == reason
    assert state["position"] >= 1
    await agent.wait_queued(customer.session_id)
    await customer.send({"type": "end"})
    await customer.wait_for(lambda f: f["type"] == "ended")
    await customer.close()
    await agent.close()


async def test_agent_claims_chats_both_ways_and_resolves_with_an_outcome_row(
    system: RunningSystem, agent_token: str, supervisor_token: str
) -> None:
    agent = await AgentClient.open(system.gateway.ws_url, agent_token)
    customer = await CustomerClient.open(system.gateway.ws_url)
    await customer.bot_reply_after(await customer.say("Can I speak to a human agent?"))
    await agent.wait_queued(customer.session_id)

    await agent.send({"type": "claim", "session_id": customer.session_id})
    claimed = await agent.wait_for(lambda f: f["type"] == "claimed")
    assert any(m["text"] == "Can I speak to a human agent?" for m in claimed["messages"])
    assigned = await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "assigned")
    assert assigned["agent_name"] == "Alex Agent"

    await agent.reply(customer.session_id, "Hi, I'm Alex. How can I help?")
    from_agent = await customer.wait_for(lambda f: f["type"] == "message" and f["role"] == "agent")
    assert from_agent["text"] == "Hi, I'm Alex. How can I help?"
    assert from_agent["agent_name"] == "Alex Agent"

    await customer.say("My strip lights flicker when dimmed.")
    await agent.wait_for(lambda f: f["type"] == "message" and f["text"] == "My strip lights flicker when dimmed.")

    await agent.send({"type": "resolve", "session_id": customer.session_id})
    ended = await customer.wait_for(lambda f: f["type"] == "ended")
    assert ended["outcome"] == "agent_resolved"

    engine = create_engine(system.database_url)
    with engine.connect() as db:
        row = db.execute(text("SELECT outcome, escalation_reason, agent_id FROM outcome_conversations "
                              "WHERE session_id = :sid"), {"sid": customer.session_id}).one()
    assert tuple(row) == ("agent_resolved", "customer_request", "agent1")

    summary = httpx.get(f"{system.gateway.url}/api/metrics/summary",
                        headers={"Authorization": f"Bearer {supervisor_token}"}).json()
    assert summary["by_outcome"]["agent_resolved"] >= 1
    assert 0 < summary["resolution_rate"] <= 1
    await customer.close()
    await agent.close()


async def test_a_conversation_the_bot_answered_ends_bot_resolved(system: RunningSystem) -> None:
    customer = await CustomerClient.open(system.gateway.ws_url)
    reply = await customer.bot_reply_after(await customer.say("How long does shipping take?"))
    assert reply.get("article")
    await customer.send({"type": "end"})
    ended = await customer.wait_for(lambda f: f["type"] == "ended")
    assert ended["outcome"] == "bot_resolved"
    await customer.close()


async def test_a_reloaded_widget_resumes_its_session_and_transcript(system: RunningSystem) -> None:
    first = await CustomerClient.open(system.gateway.ws_url)
    sent = await first.say("How do I cut the Lumen Strip?")
    answer = await first.bot_reply_after(sent)
    await first.close()

    again = await CustomerClient.open(system.gateway.ws_url, token=first.session_token)
    assert again.session_id == first.session_id
    await again.wait_for(lambda f: f["type"] == "message" and f["id"] == answer["id"])
    await again.close()

    caught_up = await CustomerClient.open(system.gateway.ws_url, token=first.session_token,
                                          last_message_id=answer["id"])
    await caught_up.send({"type": "typing", "on": False})
    assert [m for m in caught_up.messages() if m["id"] <= answer["id"]] == []
    await caught_up.close()


async def test_a_resent_message_is_stored_once(system: RunningSystem) -> None:
    customer = await CustomerClient.open(system.gateway.ws_url)
    await customer.say("hello there", client_id="same-id-1")
    await customer.say("hello there", client_id="same-id-1")
    await customer.wait_for(lambda f: f["type"] == "message" and f["role"] == "bot")
    assert len([m for m in customer.messages("customer") if m.get("client_id") == "same-id-1"]) == 1
    await customer.close()
