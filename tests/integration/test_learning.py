"""The learning loop on the running system: an agent's answer becomes a proposal; accepting it makes the bot
answer that question, from another gateway, within a second."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.support.clients import CustomerClient
from tests.support.learning import answered_by_an_agent, hand_over
from tests.support.system import Gateway, RunningSystem, staff_token

pytestmark = [pytest.mark.integration]

QUESTION = "Can I buy a Lumen gift card to give my sister as a birthday present?"
ANSWER = "Yes: Lumen gift cards of 25, 50 or 100 euros are sold in our web shop (the gifts page) and sent by e-mail."
ARTICLE_ID = "gift-cards"


@pytest.fixture(scope="module")
def gateway_b(system: RunningSystem) -> Gateway:
    """A second gateway process with its own in-memory index (Rasa's actions still go to the first)."""
    if len(system.gateways) < 2:
        system.start_gateway()
    return system.gateways[1]


def open_proposal_with(content: httpx.Client, question: str) -> dict[str, Any]:
    """The open proposal holding ``question``, polled for (the closer files it as the chat ends)."""
    deadline = time.monotonic() + 15
    while True:
        proposals = content.get("/api/learning/proposals").json()["proposals"]
        found = [p for p in proposals if question in p["questions"]]
        if found or time.monotonic() > deadline:
            assert found, f"no proposal holds {question!r}: {proposals}"
            return found[0]
        time.sleep(0.1)


async def test_a_resolved_escalation_becomes_a_proposal_and_accepting_it_answers_from_another_gateway(
    system: RunningSystem, gateway_b: Gateway, agent_token: str, content: httpx.Client
) -> None:
    await answered_by_an_agent(system.gateway.ws_url, agent_token, QUESTION, ANSWER)

    proposal = open_proposal_with(content, QUESTION)
    assert (proposal["kind"], proposal["answers"], proposal["customers"]) == ("new_article", [ANSWER], 1)
    detail = content.get(f"/api/learning/proposals/{proposal['id']}").json()
    assert [s["action"] for s in detail["audit"]][-1] == "proposed"

    accepted = content.post(f"/api/learning/proposals/{proposal['id']}/accept",
                            json={"article": {"id": ARTICLE_ID, "title": "Can I buy a Lumen gift card?"}})
    published_at = time.monotonic()
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["article"]["status"] == "published"
    while True:  # gateway B's own index follows within a second
        after = time.monotonic() - published_at
        decision = content.post(f"{gateway_b.url}/api/content/ask", json={"question": QUESTION}).json()["decision"]
        if decision["action"] == "answer" and decision["article_ids"][:1] == [ARTICLE_ID]:
            break
        assert after < 1.0, f"gateway B still decides {decision} {after:.2f}s after the proposal was accepted"

    next_customer = await CustomerClient.open(gateway_b.ws_url)
    reply = await next_customer.bot_reply_after(await next_customer.say(QUESTION))
    assert (reply.get("article") or {}).get("id") == ARTICLE_ID and ANSWER in reply["text"]
    again = content.post(f"/api/learning/proposals/{proposal['id']}/accept", json={})
    assert again.status_code == 409 and "already accepted" in again.json()["detail"]
    await next_customer.close()


def test_the_learning_api_needs_a_content_role_and_refuses_bad_decisions(
    system: RunningSystem, agent_token: str, content: httpx.Client
) -> None:
    url = f"{system.gateway.url}/api/learning/proposals"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Bearer {agent_token}"}).status_code == 403
    assert content.post("/api/learning/proposals/999999/reject", json={"reason": "x"}).status_code == 404
    assert content.post("/api/learning/proposals/1/reject", json={"reason": ""}).status_code == 422
    assert content.post("/api/learning/proposals/0/accept", json={}).status_code == 422
    assert content.get("/api/learning/gaps", params={"state": "nonsense"}).status_code == 422
    assert content.post("/api/learning/gaps/999999/dismiss", json={}).status_code == 404


async def test_the_admins_kb_gap_mark_shows_as_a_gap_with_a_state(
    system: RunningSystem, content: httpx.Client
) -> None:
    question = "my lumen thingamajig keeps doing the wobbly blink dance all night long, what gives"
    customer = await CustomerClient.open(system.gateway.ws_url)
    await hand_over(customer, question)  # the question the bot failed joins the NLU review queue
    await customer.close()
    admin = httpx.Client(base_url=system.gateway.url, timeout=60,
                         headers={"Authorization": f"Bearer {staff_token(system.gateway.url, 'admin')}"})
    deadline = time.monotonic() + 15
    while True:
        items = admin.get("/api/admin/nlu/review", params={"all": "true", "limit": 500}).json()["items"]
        mine = [i for i in items if i["text"] == question]
        if mine or time.monotonic() > deadline:
            assert mine, "the bot's unsure reading never reached the NLU review queue"
            break
        time.sleep(0.2)

    assert admin.post(f"/api/admin/nlu/review/{mine[0]['id']}", json={"action": "kb_gap"}).status_code == 200
    [gap] = [g for g in content.get("/api/learning/gaps").json()["gaps"] if question in g["examples"]]
    assert gap["signals"].get("admin_mark") == 1 and gap["state"] == "open"

    dismissed = content.post(f"/api/learning/gaps/{gap['id']}/dismiss", json={"note": "a joke"}).json()
    assert (dismissed["state"], dismissed["state_by"], dismissed["note"]) == ("dismissed", "content", "a joke")
    listed = content.get("/api/learning/gaps", params={"state": "dismissed"}).json()["gaps"]
    assert gap["id"] in [g["id"] for g in listed]
    steps = content.get("/api/learning/audit", params={"limit": 5}).json()["steps"]
    assert (steps[0]["subject"], steps[0]["subject_id"], steps[0]["action"], steps[0]["actor"]) == (
        "gap", gap["id"], "dismissed", "content")
    admin.close()


async def test_an_admin_sees_and_erases_what_proposals_and_gaps_hold_about_a_conversation(
    system: RunningSystem, agent_token: str, content: httpx.Client
) -> None:
    question = "Can my Lumen order be delivered to a parcel locker instead of my home address?"
    answer = "Yes: choose Parcel locker at checkout and pick the locker on the map."
    session_id = await answered_by_an_agent(system.gateway.ws_url, agent_token, question, answer)
    open_proposal_with(content, question)
    admin = httpx.Client(base_url=system.gateway.url, timeout=60,
                         headers={"Authorization": f"Bearer {staff_token(system.gateway.url, 'admin')}"})
    held = admin.get(f"/api/admin/conversations/{session_id}").json()["stores"]["sql"]
    assert (held["learning_proposals"], held["learning_gaps"]) == (1, 1) and held["learning_texts"] >= 3

    assert admin.delete(f"/api/admin/conversations/{session_id}").status_code == 204
    held = admin.get(f"/api/admin/conversations/{session_id}").json()["stores"]["sql"]
    assert (held["learning_proposals"], held["learning_gaps"], held["learning_texts"]) == (0, 0, 0)
    shown = [content.get("/api/learning/proposals", params={"state": "all"}).text,
             content.get("/api/learning/gaps", params={"state": "all"}).text,
             content.get("/api/learning/audit", params={"limit": 1000}).text]
    assert not [page for page in shown if question in page or answer in page]
    admin.close()
