"""Access control, rate limits, origins and hostile frames against the running gateway."""

from __future__ import annotations

import asyncio
import contextlib
import re

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.support.clients import AgentClient, CustomerClient
from tests.support.system import Gateway, RunningSystem, staff_token

pytestmark = [pytest.mark.integration]

# /api/auth/session: any staff member (tests/integration/test_staff_session.py).
PUBLIC = {"/api/auth/token", "/api/auth/session", "/api/health", "/actions/webhook"}
# The least role each API area needs; a route outside these areas fails the test until classified.
LEAST_ROLE = [
    ("/api/handoff/agents", "super"),
    ("POST /api/handoff/canned", "super"),
    ("PUT /api/handoff/canned/", "super"),
    ("DELETE /api/handoff/canned/", "super"),
    ("/api/handoff/", "agent1"),
    ("/api/metrics/", "super"),
    ("/api/reports/kb-gaps", "content"),
    ("/api/reports/articles", "content"),  # per-article figures: the content team's, not supervisors'
    ("/api/reports", "super"),
    ("/api/content/", "content"),
    ("/api/learning/", "content"),
    ("/api/kb-gaps", "content"),
    ("/api/admin/", "admin"),
]
WRONG_ROLE = {"super": "content", "agent1": "content", "content": "agent1", "admin": "super"}


def least_role(method: str, path: str) -> str:
    """The least role for a route; an entry may name the method ("POST /api/...") when reading and
    writing need different roles."""
    for prefix, user in LEAST_ROLE:
        if f"{method} {path}".startswith(prefix) or path.startswith(prefix):
            return user
    raise AssertionError(f"{path} is not classified in LEAST_ROLE: decide who may call it")


def routes(system: RunningSystem) -> list[tuple[str, str]]:
    schema = httpx.get(f"{system.gateway.url}/openapi.json").json()
    return [(method.upper(), path) for path, item in schema["paths"].items() for method in item
            if path not in PUBLIC]


def call(url: str, method: str, path: str, token: str | None) -> int:
    concrete = re.sub(r"\{[^}]+\}", "x", path)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return httpx.request(method, url + concrete, headers=headers, json=body, timeout=30).status_code


def test_every_staff_route_refuses_no_token_and_the_wrong_role_and_admits_the_right_one(
    system: RunningSystem,
) -> None:
    url = system.gateway.url
    tokens = {user: staff_token(url, user) for user in ("agent1", "super", "content", "admin")}
    checked = routes(system)
    assert len(checked) >= 5
    for method, path in checked:
        user = least_role(method, path)
        assert call(url, method, path, None) == 401, (method, path, "no token")
        assert call(url, method, path, "forged.token.here") == 401, (method, path, "forged")
        assert call(url, method, path, tokens[WRONG_ROLE[user]]) == 403, (method, path, "wrong role")
        assert call(url, method, path, tokens[user]) not in (401, 403), (method, path, "right role")
        assert call(url, method, path, tokens["admin"]) not in (401, 403), (method, path, "admin")


async def test_a_customer_token_opens_only_its_own_session_and_is_no_staff_token(system: RunningSystem) -> None:
    alice = await CustomerClient.open(system.gateway.ws_url)
    await alice.say("my secret is in here")
    bob = await CustomerClient.open(system.gateway.ws_url)
    assert bob.session_id != alice.session_id
    assert not [m for m in bob.messages() if m["session_id"] == alice.session_id]
    staff = httpx.get(f"{system.gateway.url}/api/handoff/queue",
                      headers={"Authorization": f"Bearer {alice.session_token}"})
    assert staff.status_code == 401
    agent_with_customer_token = await AgentClient.open(system.gateway.ws_url, alice.session_token)
    assert agent_with_customer_token.frames[-1]["code"] == "auth_failed"
    customer_with_staff_token = await CustomerClient.open(system.gateway.ws_url,
                                                          token=staff_token(system.gateway.url, "agent1"))
    assert customer_with_staff_token.frames[-1]["code"] == "session_invalid"
    for client in (alice, bob, agent_with_customer_token, customer_with_staff_token):
        await client.close()


@pytest.fixture(scope="module")
def strict_gateway(system: RunningSystem) -> Gateway:
    """A gateway with tight limits and one allowed origin."""
    return system.start_gateway(extra_env={
        "TANDEM_RATE_LIMITS__MESSAGES_PER_SESSION": "3/minute",
        "TANDEM_RATE_LIMITS__SESSIONS_PER_IP": "1000/minute",
        "TANDEM_RATE_LIMITS__LOGINS_PER_IP": "3/minute",
        "TANDEM_RATE_LIMITS__FRAMES_PER_CONNECTION": "20/5seconds",
        "TANDEM_ALLOWED_ORIGINS": '["https://shop.example"]',
    })


async def test_messages_over_the_session_budget_are_refused_clearly(strict_gateway: Gateway) -> None:
    customer = await CustomerClient.open(strict_gateway.ws_url, origin="https://shop.example")
    for _ in range(3):
        await customer.say("hello")
    await customer.send({"type": "message", "client_id": "over-budget", "text": "hello"})
    refused = await customer.wait_for(lambda f: f["type"] == "error" and f.get("ref") == "over-budget")
    assert refused["code"] == "rate_limited" and "30" not in refused["detail"] and "3 per 1 minute" in refused["detail"]
    await customer.close()


async def test_a_frame_flood_is_throttled_and_the_socket_stays_usable(strict_gateway: Gateway) -> None:
    customer = await CustomerClient.open(strict_gateway.ws_url, origin="https://shop.example")
    for _ in range(60):
        await customer.send({"type": "typing", "on": True})
    await customer.wait_for(lambda f: f["type"] == "error" and f["code"] == "rate_limited")
    health = httpx.get(f"{strict_gateway.url}/openapi.json")
    assert health.status_code == 200
    await customer.close()


def test_login_attempts_are_limited_per_address(strict_gateway: Gateway) -> None:
    codes = [httpx.post(f"{strict_gateway.url}/api/auth/token", json={"username": "agent1", "password": "guess"})
             .status_code for _ in range(5)]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]


async def test_the_widget_connects_only_from_allowed_origins(strict_gateway: Gateway) -> None:
    evil = await CustomerClient.open(strict_gateway.ws_url, origin="https://evil.example")
    assert evil.frames[-1]["code"] == "origin_not_allowed"
    with contextlib.suppress(ConnectionClosed):  # raised for any close code but 1000/1001
        await asyncio.wait_for(evil.connection.wait_closed(), 5)
    assert evil.connection.close_code == 4403
    good = await CustomerClient.open(strict_gateway.ws_url, origin="https://shop.example")
    assert good.session_id
    await good.close()


async def test_hostile_frames_get_errors_and_the_server_stays_up(system: RunningSystem) -> None:
    customer = await CustomerClient.open(system.gateway.ws_url)
    hostile: list[str | bytes] = [
        "x" * (1024 * 1024), b"\xff" * 1024, "null", '{"type": null}', '{"type": "hello", "session_token": 5}',
        '{"type": "message", "client_id": "' + "a" * 100 + '", "text": "x"}', '{"type": ["message"]}',
        '{"type": "rate", "score": "five"}', '{"type": "choose", "client_id": "c", "payload": "/nope"}',
    ]
    for raw in hostile:
        before = len(customer.frames)
        await customer.send_raw(raw)
        await customer.wait_for(lambda f: f["type"] == "error", start=before)
    await customer.say("still here?")
    assert httpx.get(f"{system.gateway.url}/api/health").status_code in (200, 503)
    await customer.close()
