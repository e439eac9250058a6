"""The agent's desk against the running gateway: suggested answers, canned responses, labels, and what
the outcome record, the CSV and the figures keep of them. Roles: agents read, supervisors edit the
canned responses, the content team reads no conversation."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.support.clients import AgentClient, CustomerClient
from tests.support.system import RunningSystem, staff_token

pytestmark = [pytest.mark.integration]


class Staff:
    """HTTP calls as one member of staff."""

    def __init__(self, url: str, username: str) -> None:
        self.url = url
        self.headers = {"Authorization": f"Bearer {staff_token(url, username)}"}

    def call(self, method: str, path: str, json: Any = None, **params: str) -> httpx.Response:
        return httpx.request(method, self.url + path, headers=self.headers, json=json, params=params, timeout=60)


@pytest.fixture(scope="module")
def people(system: RunningSystem) -> dict[str, Staff]:
    return {user: Staff(system.gateway.url, user) for user in ("agent1", "super", "content", "admin")}


@pytest.fixture
def shortcut(people: dict[str, Staff]) -> Iterator[str]:
    """A shortcut of this test's own (the canned responses are shared by the whole running system)."""
    name = f"t{uuid.uuid4().hex[:8]}"
    yield name
    for canned in people["super"].call("GET", "/api/handoff/canned").json():
        if canned["shortcut"].startswith(name):
            people["super"].call("DELETE", f"/api/handoff/canned/{canned['id']}")


def test_supervisors_edit_canned_responses_agents_only_read_them(people: dict[str, Staff], shortcut: str) -> None:
    agent, supervisor, content, admin = people["agent1"], people["super"], people["content"], people["admin"]
    body = {"shortcut": f"/{shortcut}", "text": "Hi {customer_first_name}, {agent_name} here."}
    assert agent.call("POST", "/api/handoff/canned", body).status_code == 403
    made = supervisor.call("POST", "/api/handoff/canned", body)
    assert made.status_code == 201 and made.json()["shortcut"] == shortcut
    canned_id = made.json()["id"]
    assert any(c["shortcut"] == shortcut for c in agent.call("GET", "/api/handoff/canned").json())
    assert content.call("GET", "/api/handoff/canned").status_code == 403

    edited = admin.call("PUT", f"/api/handoff/canned/{canned_id}", {"shortcut": shortcut, "text": "Hello!"})
    assert edited.status_code == 200 and edited.json()["updated_by"] == "admin"
    assert agent.call("PUT", f"/api/handoff/canned/{canned_id}", body).status_code == 403
    assert agent.call("DELETE", f"/api/handoff/canned/{canned_id}").status_code == 403
    assert supervisor.call("DELETE", f"/api/handoff/canned/{canned_id}").status_code == 204
    gone = supervisor.call("DELETE", f"/api/handoff/canned/{canned_id}")
    assert gone.status_code == 404 and "no canned response" in gone.json()["detail"]


def test_bad_canned_responses_are_refused_with_the_reason_and_nothing_changes(people: dict[str, Staff],
                                                                              shortcut: str) -> None:
    supervisor = people["super"]
    assert supervisor.call("POST", "/api/handoff/canned", {"shortcut": shortcut, "text": "Hi!"}).status_code == 201
    cases = [
        ({"shortcut": shortcut, "text": "Hello again"}, 409, f"/{shortcut} is already taken"),
        ({"shortcut": f"{shortcut}-2", "text": "  "}, 400, "the text cannot be empty"),
        ({"shortcut": f"{shortcut}-2", "text": "Hi {first_name}"}, 400, "unknown placeholder {first_name}"),
        ({"shortcut": "two words", "text": "Hi"}, 400, "may only use letters"),
    ]
    for body, status, reason in cases:
        refused = supervisor.call("POST", "/api/handoff/canned", body)
        assert refused.status_code == status and reason in refused.json()["detail"], (body, refused.text)
    mine = [c for c in supervisor.call("GET", "/api/handoff/canned").json() if c["shortcut"].startswith(shortcut)]
    assert [(c["shortcut"], c["text"]) for c in mine] == [(shortcut, "Hi!")]


async def test_suggestions_the_article_used_and_labels_reach_the_outcome_record_csv_and_figures(
    system: RunningSystem, people: dict[str, Staff], agent_token: str, shortcut: str
) -> None:
    agent_api, supervisor, content = people["agent1"], people["super"], people["content"]
    agent = await AgentClient.open(system.gateway.ws_url, agent_token)
    customer = await CustomerClient.open(system.gateway.ws_url)
    await customer.bot_reply_after(await customer.say("My name is Dana Scully. Can I speak to a human agent?"))
    sid = customer.session_id
    await agent.wait_queued(sid)
    await agent.send({"type": "claim", "session_id": sid})
    await agent.wait_for(lambda f: f["type"] == "claimed")
    await agent.reply(sid, "Hi, Alex here.")
    await customer.say("How do I factory reset my Lumen Hub?")
    await agent.wait_for(lambda f: f["type"] == "message" and f["text"] == "How do I factory reset my Lumen Hub?")

    assert content.call("GET", f"/api/handoff/sessions/{sid}/suggestions").status_code == 403
    suggested = agent_api.call("GET", f"/api/handoff/sessions/{sid}/suggestions").json()
    assert suggested["question"] == "How do I factory reset my Lumen Hub?"
    best = suggested["articles"][0]
    assert best["id"] == "hub-reset" and 0 < best["score"] <= 1 and "**" not in best["answer"]
    assert agent_api.call("GET", "/api/handoff/sessions/nosuchsession/suggestions").status_code == 404

    supervisor.call("POST", "/api/handoff/canned", {"shortcut": shortcut, "text": "Thanks, {customer_first_name}! "
                                                    "{agent_name} will check."})
    filled = agent_api.call("GET", f"/api/handoff/sessions/{sid}/canned/{shortcut}").json()
    assert filled["text"] == "Thanks, Dana! Alex Agent will check."
    assert content.call("GET", f"/api/handoff/sessions/{sid}/canned/{shortcut}").status_code == 403

    bad = {"type": "message", "session_id": sid, "client_id": "bad-article", "text": "x", "article_id": "no-such"}
    await agent.send(bad)
    refused = await agent.wait_for(lambda f: f["type"] == "error" and f.get("ref") == "bad-article")
    assert refused["code"] == "invalid_frame" and "no-such" in refused["detail"]
    await agent.send({"type": "message", "session_id": sid, "client_id": "from-kb", "text": best["answer"],
                      "article_id": "hub-reset"})
    await agent.wait_for(lambda f: f["type"] == "ack" and f["client_id"] == "from-kb")

    assert content.call("PUT", f"/api/handoff/sessions/{sid}/labels", {"labels": ["x"]}).status_code == 403
    too_many = agent_api.call("PUT", f"/api/handoff/sessions/{sid}/labels", {"labels": [f"l{n}" for n in range(11)]})
    assert too_many.status_code == 400 and "at most 10 labels" in too_many.json()["detail"]
    personal = agent_api.call("PUT", f"/api/handoff/sessions/{sid}/labels", {"labels": ["Dana Scully"]})
    assert personal.status_code == 400 and "looks like personal data" in personal.json()["detail"]
    label = "firmware reset"  # words, not a random code: the redactor may read gibberish as a name
    labelled = agent_api.call("PUT", f"/api/handoff/sessions/{sid}/labels", {"labels": [label.upper(), "hub"]})
    assert labelled.json()["labels"] == [label, "hub"]
    await agent.wait_for(lambda f: f["type"] == "queue" and any(
        s["session_id"] == sid and s["labels"] == [label, "hub"] for s in f["sessions"]))

    await agent.send({"type": "resolve", "session_id": sid})
    await customer.wait_for(lambda f: f["type"] == "ended")
    after_close = agent_api.call("PUT", f"/api/handoff/sessions/{sid}/labels", {"labels": ["late"]})
    assert after_close.status_code == 409 and "cannot label" in after_close.json()["detail"]

    with create_engine(system.database_url).connect() as db:
        row = db.execute(text("SELECT labels, agent_article_ids FROM outcome_conversations WHERE session_id = :s"),
                         {"s": sid}).one()
    assert (row.labels, row.agent_article_ids) in (([label, "hub"], ["hub-reset"]),
                                                   ('["' + label + '", "hub"]', '["hub-reset"]'))
    exported = supervisor.call("GET", "/api/reports/service", format="csv", label=label).text
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(r["session_id"], r["labels"], r["agent_article_ids"]) for r in rows] == [(sid, f"{label};hub",
                                                                                        "hub-reset")]
    report = supervisor.call("GET", "/api/reports/service", label=label).json()
    assert report["title"].endswith(f"labelled “{label}”") and report["metrics"]["conversations"] == 1
    summary = supervisor.call("GET", "/api/metrics/summary", label=label).json()
    assert summary["conversations"] == 1 and summary["period"]["conversation_label"] == label
    assert supervisor.call("GET", "/api/metrics/labels").json()[label] == 1
    assert supervisor.call("GET", "/api/metrics/summary", label="<b>").status_code == 400
    await customer.close()
    await agent.close()
