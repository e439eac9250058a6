"""Webhooks end to end: a conversation's events reach a local HTTP server, signed and redacted;
a failed delivery is retried with backoff, repeated failures end in the dead-letter list; only
admins may manage webhooks, and bad input gets a 422 that says why (docs/webhooks.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.support.clients import AgentClient, CustomerClient
from tests.support.receiver import Received, Receiver, running_receiver
from tests.support.system import RunningSystem, staff_token

pytestmark = [pytest.mark.integration, pytest.mark.slow]
EMAIL = "jane.doe@example.org"
CARD = "4111 1111 1111 1111"
CONTACT = "ticket.person@example.net"
ALL_EVENTS = {"conversation.escalated", "conversation.assigned", "conversation.transferred",
              "conversation.offline_ticket", "conversation.resolved", "conversation.rated"}


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def admin(system: RunningSystem) -> Iterator[httpx.Client]:
    token = staff_token(system.gateway.url, "admin")
    with httpx.Client(base_url=system.gateway.url, headers={"Authorization": f"Bearer {token}"},
                      timeout=60) as client:
        yield client


@pytest.fixture
def register(admin: httpx.Client) -> Iterator[Callable[..., dict[str, Any]]]:
    """Register webhooks for one test; they are removed after it."""
    made: list[str] = []

    def make(**fields: Any) -> dict[str, Any]:
        response = admin.post("/api/admin/webhooks", json=fields)
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
        return dict(response.json())

    yield make
    for webhook_id in made:
        admin.delete(f"/api/admin/webhooks/{webhook_id}")


def signed_correctly(request: Received, secret: str, now: float) -> bool:
    """The receiver's check, written out: HMAC-SHA256 over ``t.body``, and a fresh ``t``."""
    parts = dict(part.split("=", 1) for part in request.headers["x-tandem-signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + request.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(now - int(parts["t"])) < 300


def events_for(requests: list[Received], path: str, session_id: str) -> list[dict[str, Any]]:
    payloads = [json.loads(r.body) for r in requests if r.path == path]
    return [p for p in payloads if p["conversation"]["id"] == session_id]


async def escalated_customer(system: RunningSystem, text: str = "I want to talk to a real person please"
                             ) -> CustomerClient:
    customer = await CustomerClient.open(system.gateway.ws_url)
    await customer.say(text)
    await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "queued")
    return customer


async def test_a_conversations_events_arrive_signed_and_without_personal_data(
    system: RunningSystem, receiver: Receiver, register: Callable[..., dict[str, Any]], agent_token: str,
    supervisor_token: str,
) -> None:
    hook = register(url=receiver.url("/all"), description="every event")
    assert hook["secret"].startswith("whsec_") and set(hook["events"]) == ALL_EVENTS
    agent = await AgentClient.open(system.gateway.ws_url, agent_token)
    supervisor = await AgentClient.open(system.gateway.ws_url, supervisor_token)
    customer = await escalated_customer(system, f"I want to talk to a real person please, my e-mail is {EMAIL} "
                                                f"and my card is {CARD}")
    sid = customer.session_id
    await customer.send({"type": "contact", "client_id": uuid.uuid4().hex, "contact": CONTACT,
                         "text": f"Please write to {EMAIL}; the card was {CARD}"})
    await customer.wait_for(lambda f: f["type"] == "state" and f.get("contact_left") is True)
    await agent.send({"type": "claim", "session_id": sid})
    await agent.wait_for(lambda f: f["type"] == "claimed")
    await agent.send({"type": "transfer", "session_id": sid, "to_queue": "billing"})
    await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "queued", start=len(customer.frames))
    await supervisor.send({"type": "transfer", "session_id": sid, "to_agent_id": "agent1"})
    await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "assigned", start=len(customer.frames))
    await agent.send({"type": "resolve", "session_id": sid})
    await customer.wait_for(lambda f: f["type"] == "ended")
    await customer.send({"type": "rate", "score": 5, "comment": f"Lovely, mail me at {EMAIL}"})
    await customer.wait_for(lambda f: f["type"] == "rated")

    requests = await asyncio.to_thread(receiver.wait_for, lambda got: {
        e["type"] for e in events_for(got, "/all", sid)} == ALL_EVENTS)
    now = time.time()
    mine = [r for r in requests if r.path == "/all" and json.loads(r.body)["conversation"]["id"] == sid]
    assert all(signed_correctly(r, hook["secret"], now) for r in mine)
    assert not signed_correctly(mine[0], hook["secret"] + "x", now)
    assert all(r.headers["x-tandem-event"] == json.loads(r.body)["type"] for r in mine)
    for request in mine:  # no e-mail address, contact or card number anywhere in any payload
        body = request.body.decode()
        assert EMAIL not in body and CONTACT not in body
        assert CARD.replace(" ", "") not in re.sub(r"\D", "", body)
    by_type = {e["type"]: e for e in events_for(requests, "/all", sid)}
    escalated = by_type["conversation.escalated"]
    assert escalated["conversation"]["reason"] == "customer_request"
    assert "real person" in escalated["data"]["question"] and "[" in escalated["data"]["question"]
    ticket = by_type["conversation.offline_ticket"]["data"]
    assert ticket["contact_left"] is True and "Please write to" in ticket["question"]
    assert by_type["conversation.transferred"]["data"]["to_queue"] == "billing"
    assigned = [e for e in events_for(requests, "/all", sid) if e["type"] == "conversation.assigned"]
    assert {e["data"]["by_agent_id"] for e in assigned} == {"agent1", "super"}
    resolved = by_type["conversation.resolved"]["data"]
    assert resolved["outcome"] == "agent_resolved" and resolved["ended_by"] == "agent"
    rated = by_type["conversation.rated"]["data"]
    assert rated["score"] == 5 and rated["comment"].startswith("Lovely, mail me at [")
    await erasure_drops_the_deliveries(system, sid)
    for client in (customer, agent, supervisor):
        await client.close()


async def erasure_drops_the_deliveries(system: RunningSystem, session_id: str) -> None:
    """An access request counts the conversation's webhook deliveries; an erasure drops them."""
    headers = {"Authorization": f"Bearer {staff_token(system.gateway.url, 'admin')}"}
    async with httpx.AsyncClient(base_url=system.gateway.url, headers=headers, timeout=60) as admin:
        held = (await admin.get(f"/api/admin/conversations/{session_id}")).json()["stores"]["sql"]
        listed = (await admin.get("/api/admin/webhooks/deliveries", params={"session_id": session_id})).json()
        # 7 to this test's receivers, more where other tests left webhooks registered (the API fuzz test)
        assert held["webhook_deliveries"] == len(listed["deliveries"]) >= 7
        assert (await admin.delete(f"/api/admin/conversations/{session_id}")).status_code == 204
        log = await admin.get("/api/admin/webhooks/deliveries", params={"session_id": session_id})
        assert log.json()["deliveries"] == []


async def test_a_failed_delivery_is_retried_after_backoff_and_repeated_failures_end_as_dead_letters(
    system: RunningSystem, receiver: Receiver, register: Callable[..., dict[str, Any]], admin: httpx.Client,
) -> None:
    receiver.plan("/flaky", 500)
    receiver.plan("/down", always=500)
    flaky = register(url=receiver.url("/flaky"), events=["conversation.escalated"])
    down = register(url=receiver.url("/down"), events=["conversation.escalated"])
    customer = await escalated_customer(system)

    await asyncio.to_thread(receiver.wait_for, lambda got: sum(r.path == "/flaky" for r in got) >= 2
                            and sum(r.path == "/down" for r in got) >= 3)
    first, second = receiver.at("/flaky")[:2]
    assert (first.answered, second.answered) == (500, 200)
    assert first.headers["x-tandem-event-id"] == second.headers["x-tandem-event-id"]
    assert first.body == second.body
    assert second.at - first.at >= 0.4  # backoff_base_s (0.5 in the tests' settings), less clock slack
    assert all(signed_correctly(r, flaky["secret"], time.time()) for r in (first, second))

    delivered = await poll(lambda: admin.get("/api/admin/webhooks/deliveries",
                                             params={"webhook_id": flaky["id"]}).json()["deliveries"],
                           lambda rows: rows and rows[0]["status"] == "delivered")
    detail = admin.get(f"/api/admin/webhooks/deliveries/{delivered[0]['id']}").json()
    assert [a["status_code"] for a in detail["attempt_log"]] == [500, 200]
    assert detail["payload"]["conversation"]["id"] == customer.session_id

    dead = await poll(lambda: admin.get("/api/admin/webhooks/deliveries", params={"status": "dead"}).json()[
        "deliveries"], lambda rows: any(r["webhook_id"] == down["id"] for r in rows))
    letter = next(r for r in dead if r["webhook_id"] == down["id"])
    assert letter["attempts"] == 3 and letter["last_status_code"] == 500
    assert "500" in letter["last_error"]
    assert len(receiver.at("/down")) == 3  # no fourth attempt

    receiver.plan("/down")  # the receiver is fixed: an admin sends the dead letter again
    assert admin.post(f"/api/admin/webhooks/deliveries/{letter['id']}/retry").json()["status"] == "pending"
    await poll(lambda: admin.get(f"/api/admin/webhooks/deliveries/{letter['id']}").json(),
               lambda row: row["status"] == "delivered")
    await customer.close()


async def poll(read: Callable[[], Any], done: Callable[[Any], Any], timeout_s: float = 30.0) -> Any:
    """Read until ``done`` holds (AssertionError with the last reading after ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = await asyncio.to_thread(read)
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not done within {timeout_s}s: {value}")
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("username", ["agent1", "super", "content"])
def test_only_admins_manage_webhooks(system: RunningSystem, username: str) -> None:
    headers = {"Authorization": f"Bearer {staff_token(system.gateway.url, username)}"}
    with httpx.Client(base_url=system.gateway.url, headers=headers) as client:
        for method, path in (("GET", "/api/admin/webhooks"), ("POST", "/api/admin/webhooks"),
                             ("GET", "/api/admin/webhooks/deliveries"), ("DELETE", "/api/admin/webhooks/x")):
            response = client.request(method, path, json={"url": "https://example.org/hook"})
            assert response.status_code == 403, (method, path, response.text)
            assert "admin" in response.json()["detail"]
    assert httpx.get(f"{system.gateway.url}/api/admin/webhooks").status_code == 401


@pytest.mark.parametrize(("body", "reason"), [
    ({"url": "ftp://example.org/hook"}, "URL scheme should be 'http' or 'https'"),
    ({"url": "not a url"}, "Input should be a valid URL"),
    ({"url": "https://user:pw@example.org/hook"}, "no user name or password"),
    ({"url": "https://example.org/hook", "events": ["conversation.nope"]}, "conversation.escalated"),
    ({"url": "https://example.org/hook", "events": []}, "at least 1 item"),
    ({"url": "https://example.org/hook", "secret": "short"}, "at least 24 characters"),
    ({"url": "https://example.org/hook", "colour": "red"}, "Extra inputs are not permitted"),
    ({}, "Field required"),
])
def test_bad_webhooks_are_refused_with_the_reason(admin: httpx.Client, body: dict[str, Any], reason: str) -> None:
    before = admin.get("/api/admin/webhooks").json()["webhooks"]
    response = admin.post("/api/admin/webhooks", json=body)
    assert response.status_code == 422, response.text
    assert reason in response.text
    assert admin.get("/api/admin/webhooks").json()["webhooks"] == before  # nothing was stored


def test_a_secret_is_shown_once_and_can_be_set_or_rotated(admin: httpx.Client) -> None:
    own = "my-own-signing-secret-0123456789"
    made = admin.post("/api/admin/webhooks", json={"url": "https://example.org/hook", "secret": own,
                                                   "events": ["conversation.rated"]}).json()
    try:
        assert made["secret"] == own
        assert "secret" not in admin.get(f"/api/admin/webhooks/{made['id']}").json()
        assert all("secret" not in w for w in admin.get("/api/admin/webhooks").json()["webhooks"])
        changed = admin.patch(f"/api/admin/webhooks/{made['id']}", json={"active": False}).json()
        assert changed["active"] is False and "secret" not in changed
        rotated = admin.patch(f"/api/admin/webhooks/{made['id']}", json={"rotate_secret": True}).json()
        assert rotated["secret"].startswith("whsec_") and rotated["secret"] != own
        assert admin.patch(f"/api/admin/webhooks/{made['id']}", json={"url": "gopher://x"}).status_code == 422
    finally:
        assert admin.delete(f"/api/admin/webhooks/{made['id']}").status_code == 204
    for method, path in (("GET", f"/api/admin/webhooks/{made['id']}"), ("DELETE", f"/api/admin/webhooks/{made['id']}"),
                         ("GET", "/api/admin/webhooks/deliveries/999999"),
                         ("POST", "/api/admin/webhooks/deliveries/999999/retry")):
        response = admin.request(method, path)
        assert response.status_code == 404 and "GET /api/admin/webhooks" in response.json()["detail"]
