"""Faults on loopback: Rasa killed, the model worker killed, Redis restarted. Customers are told,
nothing is lost."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import redis

from bot.processes import free_port
from tests.support.clients import AgentClient, CustomerClient
from tests.support.system import Gateway, RunningSystem, staff_token

pytestmark = [pytest.mark.integration, pytest.mark.slow]


async def test_killing_rasa_mid_conversation_holds_and_escalates_then_the_bot_returns(
    system: RunningSystem, agent_token: str
) -> None:
    agent = await AgentClient.open(system.gateway.ws_url, agent_token)
    customer = await CustomerClient.open(system.gateway.ws_url)
    first = await customer.bot_reply_after(await customer.say("How do I cut the Lumen Strip?"))
    assert first["role"] == "bot"

    assert system.rasa is not None
    system.rasa.kill()  # SIGKILL
    sent = await customer.say("And how do I extend it to 10 metres?")
    holding = await customer.bot_reply_after(sent)
    assert holding["role"] == "system" and "kept" in holding["text"]
    state = await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "queued")
    assert state["reason"] == "bot_unavailable"
    await agent.wait_queued(customer.session_id)
    await agent.send({"type": "open", "session_id": customer.session_id})
    transcript = await agent.wait_for(lambda f: f["type"] == "transcript")
    assert "And how do I extend it to 10 metres?" in [m["text"] for m in transcript["messages"]]

    await asyncio.to_thread(system.spawn_rasa, int(system.gateway.url.rsplit(":", 1)[1]))
    await asyncio.to_thread(system.wait_for_rasa)  # in a thread: the sockets keep answering pings
    again = await CustomerClient.open(system.gateway.ws_url)
    answer = await again.bot_reply_after(await again.say("How do I factory reset my Lumen Hub?"))
    assert answer["role"] == "bot" and answer["article"]["id"] == "hub-reset"
    for client in (customer, again):
        await client.send({"type": "end"})
        await client.close()
    await agent.close()


async def test_killing_the_model_worker_mid_load_holds_and_escalates_then_the_bot_returns(
    system: RunningSystem, agent_token: str
) -> None:
    agent = await AgentClient.open(system.gateway.ws_url, agent_token)
    customers = [await CustomerClient.open(system.gateway.ws_url) for _ in range(6)]
    first = await customers[0].bot_reply_after(await customers[0].say("How do I cut the Lumen Strip?"))
    assert first["role"] == "bot"

    # Mid-load: every customer's question is on its way when the worker dies. Words never asked
    # before, so no cache can answer for the worker.
    questions = [f"Does the Lumen Hub {uuid.uuid4().hex[:6]} work with a second router?" for _ in customers]
    sent = [await customer.say(question) for customer, question in zip(customers, questions, strict=True)]
    system.model_workers[0].kill()  # SIGKILL: its requests are never answered
    held = []
    for customer, client_id in zip(customers, sent, strict=True):
        reply = await customer.bot_reply_after(client_id, timeout_s=60)
        assert reply["role"] in ("bot", "system")  # answered before the worker died, or held
        if reply["role"] == "system":
            assert "kept" in reply["text"]
            held.append(customer)
    late = await CustomerClient.open(system.gateway.ws_url)  # while no worker runs: held at once
    late_question = f"My Lumen Strip {uuid.uuid4().hex[:6]} flickers, what now?"
    holding = await late.bot_reply_after(await late.say(late_question), timeout_s=60)
    assert holding["role"] == "system" and "kept" in holding["text"]
    for customer in [*held, late]:
        state = await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "queued")
        assert state["reason"] == "bot_unavailable"
        await agent.wait_queued(customer.session_id)
    await agent.send({"type": "open", "session_id": late.session_id})
    transcript = await agent.wait_for(lambda f: f["type"] == "transcript" and f["session_id"] == late.session_id)
    assert late_question in [m["text"] for m in transcript["messages"]]

    await asyncio.to_thread(system.start_model_worker)  # waits until it is ready
    again = await CustomerClient.open(system.gateway.ws_url)
    question = f"How do I factory reset my Lumen Hub {uuid.uuid4().hex[:6]}?"  # new words: the worker answers
    answer = await again.bot_reply_after(await again.say(question), timeout_s=60)
    assert answer["role"] == "bot" and answer["article"]["id"] == "hub-reset"
    for client in [*customers, late, again]:
        await client.send({"type": "end"})
        await client.close()
    await agent.close()


async def claim_when_present_again(agent: AgentClient, session_id: str) -> dict[str, object]:
    """Claim as an agent would: the first heartbeat after the outage restores the agent's presence."""
    deadline = time.monotonic() + 15
    while True:
        start = len(agent.frames)
        await agent.send({"type": "claim", "session_id": session_id})
        answer = await agent.wait_for(lambda f: f["type"] in ("claimed", "error"), start=start)
        if answer["type"] == "claimed" or time.monotonic() > deadline:
            return answer
        assert answer["code"] == "at_capacity", answer
        await asyncio.sleep(0.5)


@dataclass
class PersistentRedis:
    """A redis-server of its own with AOF persistence, as the README recommends for production.

    It owns every process it starts, restarts included, so the fixture stops whichever one runs.
    """

    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.data_dir),
             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            try:
                if redis.Redis(port=self.port).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def restart(self) -> None:
        """Shut down (the AOF is fsynced on every write), wait for the process to end, start again."""
        self.stop(nosave=False)
        self.start()

    def stop(self, *, nosave: bool = True) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        client = redis.Redis(port=self.port)
        with contextlib.suppress(redis.ConnectionError):  # it went down while answering: reaped below
            client.shutdown(nosave=True) if nosave else client.shutdown()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def persistent_redis(tmp_path: Path) -> Iterator[PersistentRedis]:
    server = PersistentRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_queued_handoffs_and_sessions_survive_a_redis_restart(
    system: RunningSystem, persistent_redis: PersistentRedis
) -> None:
    gateway: Gateway = await asyncio.to_thread(system.start_gateway, None, {
        "TANDEM_REDIS_URL": persistent_redis.url,
        "TANDEM_RASA_URL": f"http://127.0.0.1:{free_port()}",  # no bot here: every message is escalated
    })
    token = staff_token(gateway.url, "agent1")
    agent = await AgentClient.open(gateway.ws_url, token)
    customer = await CustomerClient.open(gateway.ws_url)
    await customer.say("my hub keeps blinking amber")
    await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "queued")
    await agent.wait_queued(customer.session_id)

    await asyncio.to_thread(persistent_redis.restart)

    await customer.say("are you still there?")  # the gateway reconnects by itself
    queue = httpx.get(f"{gateway.url}/api/handoff/queue", headers={"Authorization": f"Bearer {token}"}).json()
    assert [item["session_id"] for item in queue if item["state"] == "queued"] == [customer.session_id]
    claimed = await claim_when_present_again(agent, customer.session_id)
    texts = [m["text"] for m in claimed["messages"]]
    assert texts.count("my hub keeps blinking amber") == 1 and texts.count("are you still there?") == 1
    await agent.reply(customer.session_id, "Yes, I'm here.")
    await customer.wait_for(lambda f: f["type"] == "message" and f["text"] == "Yes, I'm here.", timeout_s=15)
    await customer.close()
    await agent.close()
    gateway.child.stop()
    system.gateways.remove(gateway)
