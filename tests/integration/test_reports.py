"""Outcomes, ratings, reports and privacy through the running system (gateway, Rasa, Redis, SQL)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis as redis_sync
from sqlalchemy import create_engine, text

from handoff import keys
from outcomes import EscalationReason, OutcomeRecorder
from rasa_bridge import RasaServer
from tests.outcomes.factories import Script, record
from tests.privacy.pii_set import CARDS, EMAILS, IBANS, NAMES, PHONES
from tests.support.clients import AgentClient, CustomerClient
from tests.support.system import RASA_TOKEN, RunningSystem, staff_token

pytestmark = [pytest.mark.integration]
TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def stored_texts(system: RunningSystem, session_id: str) -> list[str]:
    """Everything stored about one conversation: transcript, escalated question, rating comment."""
    with create_engine(system.database_url).connect() as db:
        messages = db.execute(text("SELECT text FROM outcome_messages WHERE session_id = :s"), {"s": session_id})
        row = db.execute(text("SELECT escalation_question, csat_comment FROM outcome_conversations "
                              "WHERE session_id = :s"), {"s": session_id}).one()
    return [m for (m,) in messages] + [t for t in row if t]


def seed(system: RunningSystem, scripts: list[Script]) -> None:
    """Finished conversations written through the gateway's own recorder code, at chosen times."""
    recorder = OutcomeRecorder(create_engine(system.database_url))
    for script in scripts:
        record(recorder, script)


async def start_with_agent(system: RunningSystem, agent_token: str) -> tuple[CustomerClient, AgentClient]:
    """A customer who asked for a person, and the agent who took the conversation."""
    agent = await AgentClient.open(system.gateway.ws_url, agent_token)
    customer = await CustomerClient.open(system.gateway.ws_url)
    await customer.bot_reply_after(await customer.say("I want to talk to a human please"))
    await agent.wait_queued(customer.session_id)
    await agent.send({"type": "claim", "session_id": customer.session_id})
    await agent.wait_for(lambda f: f["type"] == "claimed" and f["session_id"] == customer.session_id)
    return customer, agent


async def test_personal_data_is_redacted_in_storage_while_the_agent_sees_it_as_typed(
    system: RunningSystem, agent_token: str
) -> None:
    customer, agent = await start_with_agent(system, agent_token)
    values = EMAILS + PHONES + CARDS + IBANS
    messages = [f"my details: {' and '.join(values[i:i + 5])}" for i in range(0, len(values), 5)]
    messages += [f"Hi, my name is {name} and my hub keeps going offline." for name in NAMES]
    for message in messages:
        await customer.say(message)
    await agent.wait_for(lambda f: f["type"] == "message" and f.get("text") == messages[-1])
    live = [m.get("text", "") for m in agent.messages("customer")]
    assert messages[0] in live  # e-mail addresses stay in the live chat for the agent
    assert "[CARD ••••1111]" in "\n".join(live) and not [c for c in CARDS if c in "\n".join(live)]
    await agent.reply(customer.session_id, f"Thanks {NAMES[0]}, I will call {PHONES[0]}.")
    await agent.send({"type": "resolve", "session_id": customer.session_id})
    await customer.wait_for(lambda f: f["type"] == "ended")
    await customer.send({"type": "rate", "score": 4, "comment": f"Reach me at {EMAILS[0]} or {PHONES[1]}"})
    await customer.wait_for(lambda f: f["type"] == "rated")

    stored = "\n".join(stored_texts(system, customer.session_id))
    leaked = [v for v in values if v in stored or re.sub(r"\W", "", v) in re.sub(r"\W", "", stored)]
    assert leaked == []
    assert not [name for name in NAMES if name.split()[-1] in stored]
    for label in ("[EMAIL]", "[PHONE]", "[CARD ••••", "[IBAN ••••", "[NAME]"):
        assert label in stored
    await customer.close()
    await agent.close()


async def test_a_finished_conversation_is_rated_from_a_new_socket(system: RunningSystem) -> None:
    customer = await CustomerClient.open(system.gateway.ws_url)
    await customer.bot_reply_after(await customer.say("How long does shipping take?"))
    await customer.send({"type": "rate", "score": 5, "comment": None})
    refused = await customer.wait_for(lambda f: f["type"] == "error")
    assert refused["code"] == "invalid_state"  # not before it has ended
    await customer.send({"type": "end"})
    await customer.wait_for(lambda f: f["type"] == "ended")
    await customer.close()

    again = await CustomerClient.open(system.gateway.ws_url, token=customer.session_token)
    await again.send({"type": "rate", "score": 5, "comment": "quick and right"})
    assert (await again.wait_for(lambda f: f["type"] in ("rated", "error")))["type"] == "rated"
    await again.close()
    with create_engine(system.database_url).connect() as db:
        row = db.execute(text("SELECT outcome, csat, csat_comment FROM outcome_conversations WHERE session_id = :s"),
                         {"s": customer.session_id}).one()
    assert tuple(row) == ("bot_resolved", 5, "quick and right")


REPORT_DAY = TODAY - timedelta(days=40)  # a day no other test writes to


@pytest.fixture(scope="module")
def report_day(system: RunningSystem) -> dict[str, str]:
    """Four known conversations on REPORT_DAY; returns the period's query parameters."""
    seed(system, [
        Script(start=REPORT_DAY + timedelta(hours=1), csat=5, comment="great"),
        Script(start=REPORT_DAY + timedelta(hours=2), csat=2, comment="meh"),
        Script(start=REPORT_DAY + timedelta(hours=3), article=None, reason=EscalationReason.CUSTOMER_REQUEST,
               queued_after=2,
               claimed_after=12, agent_reply_after=20, ended_by="agent", ended_after=120),
        Script(start=REPORT_DAY + timedelta(hours=4), article=None, reason=EscalationReason.LOW_CONFIDENCE,
               queued_after=2,
               ended_after=60),
    ])
    return {"since": REPORT_DAY.isoformat(), "until": (REPORT_DAY + timedelta(days=1)).isoformat()}


def test_metrics_of_a_period(system: RunningSystem, supervisor_token: str, report_day: dict[str, str]) -> None:
    m = httpx.get(f"{system.gateway.url}/api/metrics/summary", params=report_day,
                  headers=bearer(supervisor_token)).json()
    assert m["conversations"] == 4
    assert m["by_outcome"] == {"bot_resolved": 2, "agent_resolved": 1, "escalated_unresolved": 0, "abandoned": 1}
    assert (m["resolution_rate"], m["containment"], m["escalation_rate"]) == (0.75, 0.5, 0.5)
    assert m["escalations_by_reason"] == {"customer_request": 1, "low_confidence": 1}
    assert m["csat"]["csat"] == 0.5 and m["csat"]["response_rate"] == 0.5
    assert m["first_response"]["share_within_target"] == 1.0
    assert m["queue_wait"]["median"] == 10.0 and m["handling"]["median"] == 108.0
    assert sum(h["conversations"] for h in m["volume_by_hour"]) == 4 and len(m["volume_by_day"]) == 1
    ratings = httpx.get(f"{system.gateway.url}/api/metrics/csat", params=report_day,
                        headers=bearer(supervisor_token)).json()
    assert [c["text"] for c in ratings["comments"]] == ["meh", "great"]


def test_service_report_in_every_format(system: RunningSystem, supervisor_token: str,
                                        report_day: dict[str, str]) -> None:
    url, headers = f"{system.gateway.url}/api/reports/service", bearer(supervisor_token)
    report = httpx.get(url, params=report_day, headers=headers).json()
    assert {c["name"]: c["met"] for c in report["checks"]} == {
        "first_response": True, "csat": False, "resolution_rate": False, "containment": False,
        "hours_covered": False}
    assert report["billing"]["lines"][1]["quantity"] == 4 and report["billing"]["lines"][2]["quantity"] == 1
    assert report["unanswered"][0]["label"] == "How do I factory reset my Lumen Hub?"
    html = httpx.get(url, params=report_day | {"format": "html"}, headers=headers)
    assert html.headers["content-type"].startswith("text/html") and html.text.count("<svg") == 6
    pdf = httpx.get(url, params=report_day | {"format": "pdf"}, headers=headers, timeout=60)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    day = REPORT_DAY.date().isoformat()  # the exclusive end (the next midnight) is not the last day
    assert pdf.headers["content-disposition"] == f'attachment; filename="tandem-service-report_{day}_{day}.pdf"'
    assert report["period"]["label"] == day
    rows = list(csv.DictReader(io.StringIO(httpx.get(url, params=report_day | {"format": "csv"},
                                                     headers=headers).text)))
    assert len(rows) == 4 and {r["outcome"] for r in rows} == {"bot_resolved", "agent_resolved", "abandoned"}


def test_supervisors_open_the_conversations_behind_a_figure(system: RunningSystem, supervisor_token: str,
                                                            agent_token: str, report_day: dict[str, str]) -> None:
    url, headers = f"{system.gateway.url}/api/reports/conversations", bearer(supervisor_token)
    listed = httpx.get(url, params=report_day | {"reason": "customer_request"}, headers=headers).json()
    assert listed["total"] == 1
    [row] = listed["conversations"]
    assert (row["outcome_label"], row["reason_label"]) == ("Resolved by an agent", "Customer asked for a person")
    assert httpx.get(url, params=report_day | {"rating": 2}, headers=headers).json()["total"] == 1
    one = httpx.get(f"{url}/{row['session_id']}", params=report_day, headers=headers).json()
    assert {"customer", "bot", "agent"} <= {m["role"] for m in one["messages"]}
    for bad in ({"rating": 7}, {"reason": "nonsense"}, {"outcome": "resolved"}):
        answer = httpx.get(url, params=report_day | bad, headers=headers)
        assert answer.status_code == 422, bad
    missing = httpx.get(f"{url}/no-such-conversation", headers=headers)
    assert missing.status_code == 404 and "no-such-conversation" in missing.json()["detail"]
    assert httpx.get(url, params=report_day, headers=bearer(agent_token)).status_code == 403
    assert httpx.get(url, params=report_day).status_code == 401


def test_who_may_read_what(system: RunningSystem, agent_token: str, supervisor_token: str,
                           report_day: dict[str, str]) -> None:
    url = system.gateway.url
    content, admin = staff_token(url, "content"), staff_token(url, "admin")
    expected = {
        "/api/metrics/summary": {agent_token: 403, content: 403, supervisor_token: 200, admin: 200},
        "/api/reports/service": {agent_token: 403, content: 403, supervisor_token: 200, admin: 200},
        "/api/reports/kb-gaps": {agent_token: 403, content: 200, supervisor_token: 403, admin: 200},
        "/api/admin/conversations/nobody": {content: 403, supervisor_token: 403, admin: 404},
    }
    for path, by_token in expected.items():
        assert httpx.get(url + path, params=report_day).status_code == 401
        for token, status in by_token.items():
            assert httpx.get(url + path, params=report_day, headers=bearer(token), timeout=60).status_code == status
    assert httpx.get(f"{url}/api/metrics/summary", params={"since": "2026-02-01", "until": "2026-01-01"},
                     headers=bearer(admin)).status_code == 400


GAP_DAY = TODAY - timedelta(days=50)
GAP_QUESTIONS = [
    "Does the Lumen Hub work with Zigbee bulbs?", "Can I pair zigbee lights from another brand to the hub?",
    "Is Zigbee supported by your hub?", "zigbee compatibility of the hub",
    "Can I control my lights with a Stream Deck?", "Stream Deck plugin for Lumen lights?",
    "What is the warranty on the charging cable for my car?",
]


def test_kb_gaps_group_unanswered_questions_by_meaning(system: RunningSystem) -> None:
    seed(system, [Script(start=GAP_DAY + timedelta(minutes=n), article=None, question=q,
                         reason=EscalationReason.LOW_CONFIDENCE,
                         queued_after=2, ended_after=30) for n, q in enumerate(GAP_QUESTIONS)])
    seed(system, [Script(start=GAP_DAY + timedelta(hours=5), article=None, question="I want a person",
                         reason=EscalationReason.CUSTOMER_REQUEST, queued_after=2)])  # not a knowledge gap
    period = {"since": GAP_DAY.isoformat(), "until": (GAP_DAY + timedelta(days=1)).isoformat()}
    body = httpx.get(f"{system.gateway.url}/api/reports/kb-gaps", params=period, timeout=60,
                     headers=bearer(staff_token(system.gateway.url, "content"))).json()
    clusters = body["clusters"]
    assert [c["size"] for c in clusters] == [4, 2, 1]
    assert set(clusters[0]["examples"]) == set(GAP_QUESTIONS[:4])
    assert set(clusters[1]["examples"]) == set(GAP_QUESTIONS[4:6])


async def test_an_admin_sees_and_erases_what_is_kept_about_a_conversation(
    system: RunningSystem, agent_token: str
) -> None:
    customer, agent = await start_with_agent(system, agent_token)
    await customer.say("my order number is 4471 and the strip is broken")
    await agent.send({"type": "resolve", "session_id": customer.session_id})
    await customer.wait_for(lambda f: f["type"] == "ended")
    await customer.send({"type": "rate", "score": 1, "comment": "slow"})
    await customer.wait_for(lambda f: f["type"] == "rated")
    admin = bearer(staff_token(system.gateway.url, "admin"))
    url = f"{system.gateway.url}/api/admin/conversations/{customer.session_id}"
    kept = httpx.get(url, headers=admin).json()
    assert any("order number is 4471" in m["text"] for m in kept["messages"])
    assert httpx.delete(url, headers=bearer(staff_token(system.gateway.url, "super"))).status_code == 403
    assert httpx.delete(url, headers=admin).status_code == 204
    assert httpx.get(url, headers=admin).json()["messages"] == []
    assert stored_texts(system, customer.session_id) == []
    live = redis_sync.Redis.from_url(system.redis_url)
    assert live.exists(keys.session(customer.session_id), keys.transcript(customer.session_id)) == 0
    events = await RasaServer(system.rasa_urls[0], RASA_TOKEN).tracker_events(customer.session_id)
    assert not [e for e in events if e["event"] == "user"]  # the bot forgot the customer too
    assert httpx.delete(url, headers=admin).status_code == 204  # idempotent
    await customer.close()
    await agent.close()


def test_the_retention_job_anonymises_old_transcripts(system: RunningSystem) -> None:
    old = Script(start=TODAY - timedelta(days=400), comment="an old comment", csat=3)
    seed(system, [old])
    response = httpx.post(f"{system.gateway.url}/api/admin/retention/run",
                          headers=bearer(staff_token(system.gateway.url, "admin")))
    assert response.status_code == 200 and response.json()["purged"] >= 1
    assert stored_texts(system, old.session_id) == []
