"""Third-party questions, two-stage fallback and "Did you mean...?" choices, end to end.

Against the real trained demo model, Rasa server and gateway (the session fixture ``system``).
"""

from __future__ import annotations

import uuid

import pytest

from tests.support.clients import AgentClient, CustomerClient, Frame
from tests.support.system import RunningSystem

pytestmark = [pytest.mark.integration]

#: Messages the demo model cannot place and the knowledge base has no article for.
UNCLEAR = ("hmm", "the thing")  # ("the other one" reads as "no" to the model with mpnet features: deny 0.61)


def queued_item(snapshot: Frame, session_id: str) -> Frame:
    return next(s for s in snapshot["sessions"] if s["session_id"] == session_id)


async def end(customer: CustomerClient) -> None:
    await customer.send({"type": "end"})
    await customer.wait_for(lambda f: f["type"] == "ended")
    await customer.close()


@pytest.mark.parametrize(
    ("question", "brand"),
    [
        ("Does Netflix work on this?", "Netflix"),
        ("how do I reset my iPhone", "iPhone"),
        ("my Hue bridge keeps going offline", "Philips Hue"),
    ],
)
async def test_a_question_about_another_companys_product_goes_to_an_agent_with_the_brand(
    system: RunningSystem, agent_token: str, question: str, brand: str
) -> None:
    agent = await AgentClient.open(system.gateway.ws_url, agent_token)
    customer = await CustomerClient.open(system.gateway.ws_url)
    reply = await customer.bot_reply_after(await customer.say(question))
    assert "another company's product" in reply["text"]
    state = await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "queued")
    assert state["reason"] == "third_party"
    assert queued_item(await agent.wait_queued(customer.session_id), customer.session_id)["product"] == brand
    await end(customer)
    await agent.close()


async def test_two_unclear_messages_in_a_row_go_to_a_person(system: RunningSystem, agent_token: str) -> None:
    agent = await AgentClient.open(system.gateway.ws_url, agent_token)
    customer = await CustomerClient.open(system.gateway.ws_url)
    first = await customer.bot_reply_after(await customer.say(UNCLEAR[0]))
    assert "other words" in first["text"]
    assert first["buttons"] == [{"title": "Talk to a person", "payload": "/request_human"}]
    second = await customer.bot_reply_after(await customer.say(UNCLEAR[1]))
    assert "connecting you with a person" in second["text"]
    state = await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "queued")
    assert state["reason"] == "repeated_fallback"
    await agent.wait_queued(customer.session_id)
    await end(customer)
    await agent.close()


async def test_an_understood_message_between_two_unclear_ones_keeps_the_bot_in_charge(
    system: RunningSystem,
) -> None:
    customer = await CustomerClient.open(system.gateway.ws_url)
    await customer.bot_reply_after(await customer.say(UNCLEAR[0]))
    answer = await customer.bot_reply_after(await customer.say("How do I factory reset my Lumen Hub?"))
    assert answer["article"]["id"] == "hub-reset"
    again = await customer.bot_reply_after(await customer.say(UNCLEAR[1]))
    assert "other words" in again["text"]
    await end(customer)


async def test_a_did_you_mean_button_answers_with_that_article(system: RunningSystem) -> None:
    customer = await CustomerClient.open(system.gateway.ws_url)
    offer = await customer.bot_reply_after(await customer.say("reset"))
    hub = next(b for b in offer["buttons"] if "hub-reset" in b["payload"])
    assert hub["payload"] == '/choose_article{"article_id": "hub-reset"}'
    chosen = uuid.uuid4().hex
    await customer.send({"type": "choose", "client_id": chosen, "payload": hub["payload"]})
    answer = await customer.bot_reply_after(chosen)
    assert answer["article"]["id"] == "hub-reset"
    assert "10" in answer["text"]  # hold the pinhole button 10 s
    await end(customer)
