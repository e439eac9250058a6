"""Bad input on the sockets and APIs gets a clear error, and the connection stays usable."""

from __future__ import annotations

import httpx
import pytest

from tests.support.clients import AgentClient, CustomerClient
from tests.support.system import RunningSystem

pytestmark = [pytest.mark.integration]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "invalid_json"),
        ('["a list"]', "invalid_frame"),
        ('{"type": "teleport"}', "unknown_type"),
        ('{"type": "message", "client_id": "c1", "text": "   "}', "empty_text"),
        ('{"type": "message", "client_id": "c2", "text": "' + "x" * 100_000 + '"}', "text_too_long"),
        ('{"type": "message", "client_id": "c3", "text": 42}', "invalid_frame"),
        ('{"type": "message", "client_id": "c4", "text": "hi", "extra": 1}', "invalid_frame"),
        (b"\x00\x01binary", "binary_not_supported"),
    ],
)
async def test_customer_socket_refuses_bad_frames_and_stays_usable(
    system: RunningSystem, raw: str | bytes, code: str
) -> None:
    customer = await CustomerClient.open(system.gateway.ws_url)
    await customer.send_raw(raw)
    error = await customer.wait_for(lambda f: f["type"] == "error")
    assert error["code"] == code
    assert error["detail"]
    await customer.say("hello")  # still usable
    await customer.close()


async def test_frames_before_hello_and_forged_tokens_are_refused(system: RunningSystem) -> None:
    customer = await CustomerClient.open(system.gateway.ws_url, token="forged.token.value")
    assert customer.frames[-1]["code"] == "session_invalid"
    await customer.close()


async def test_agent_socket_requires_a_valid_staff_token(system: RunningSystem) -> None:
    agent = await AgentClient.open(system.gateway.ws_url, "not-a-token")
    assert agent.frames[-1] == {"type": "error", "code": "auth_failed",
                                "detail": "the token is invalid, expired, or not an agent's"}
    await agent.close()


async def test_agent_cannot_reply_to_a_session_they_do_not_hold(system: RunningSystem, agent_token: str) -> None:
    customer = await CustomerClient.open(system.gateway.ws_url)
    agent = await AgentClient.open(system.gateway.ws_url, agent_token)
    await agent.reply(customer.session_id, "sneaky")
    error = await agent.wait_for(lambda f: f["type"] == "error")
    assert error["code"] == "not_claimed"
    await agent.send({"type": "claim", "session_id": customer.session_id})
    await agent.wait_for(lambda f: f["type"] == "error" and f["code"] == "invalid_state")  # not queued
    await agent.send({"type": "open", "session_id": "0" * 32})
    await agent.wait_for(lambda f: f["type"] == "error" and f["code"] == "session_not_found")
    await customer.close()
    await agent.close()


def test_apis_answer_bad_requests_with_reasons(system: RunningSystem) -> None:
    url = system.gateway.url
    bad_body = httpx.post(f"{url}/api/auth/token", content=b"{oops", headers={"Content-Type": "application/json"})
    assert bad_body.status_code == 422
    missing = httpx.post(f"{url}/api/auth/token", json={"username": "agent1"})
    assert missing.status_code == 422 and "password" in missing.text
    wrong = httpx.post(f"{url}/api/auth/token", json={"username": "agent1", "password": "nope"})
    assert wrong.status_code == 401 and wrong.json()["detail"] == "wrong username or password"
    assert httpx.get(f"{url}/api/metrics/summary").status_code == 401
    action = httpx.post(f"{url}/actions/webhook", json={"next_action": "action_handoff", "tracker": {}})
    assert action.status_code == 401
