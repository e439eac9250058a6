"""Issue 14's miss patterns through the running system: one routing decision per message.

One example of each: the classifier's "third party" no longer vetoes our own article, customers'
own words for things, an order problem, a long message with a greeting and context before the
question, and a true third-party question that still goes to a person, with the decision's
record (``why``) in the agents' queue.
"""

from __future__ import annotations

import pytest

from tests.support.clients import AgentClient, CustomerClient
from tests.support.system import RunningSystem

pytestmark = [pytest.mark.integration]


@pytest.mark.parametrize(
    ("message", "article"),
    [
        # The classifier reads the e-mail provider as another company's product; our article answers it.
        ("My gmail address is old, how can I put my new e-mail on my Lumen account?", "change-email"),
        # Customers' own words: "postage" for shipping.
        ("how much is postage and how long till it gets here", "shipping-times-costs"),
        # An order problem names the product, but the order article answers it.
        ("The dimmer switch was missing from the box when my starter kit came", "order-damaged-missing"),
        # A greeting and several sentences of context and frustration before the question.
        ("Hello! We moved to a new place last weekend and I set everything up again. The router is new. "
         "This is really annoying, nothing works. How do I connect the hub to a different wifi network?",
         "hub-change-wifi"),
    ],
)
async def test_a_question_our_articles_answer_is_answered_however_it_is_written(
    system: RunningSystem, message: str, article: str
) -> None:
    customer = await CustomerClient.open(system.gateway.ws_url)
    reply = await customer.bot_reply_after(await customer.say(message))
    assert reply.get("article", {}).get("id") == article, reply
    await customer.close()


async def test_a_true_third_party_question_still_goes_to_a_person_with_the_reason_why(
    system: RunningSystem, agent_token: str
) -> None:
    agent = await AgentClient.open(system.gateway.ws_url, agent_token)
    customer = await CustomerClient.open(system.gateway.ws_url)
    question = "How do I change the admin password on my Netgear router?"
    reply = await customer.bot_reply_after(await customer.say(question))
    assert "another company's product" in reply["text"]
    snapshot = await agent.wait_queued(customer.session_id)
    item = next(s for s in snapshot["sessions"] if s["session_id"] == customer.session_id)
    assert (item["reason"], item["product"]) == ("third_party", "Netgear")
    assert item["why"]["rule"] in ("other_brand", "classifier_veto")
    assert item["why"]["entities"]["brand"] == ["Netgear"]
    assert item["why"]["intents"] and item["why"]["candidates"] is not None
    await customer.send({"type": "end"})
    await customer.wait_for(lambda f: f["type"] == "ended")
    await customer.close()
    await agent.close()
