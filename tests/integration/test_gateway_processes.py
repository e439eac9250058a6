"""Several gateway processes on one port, as ``make run`` starts them (``gateway_processes``).

They start one at a time (bot.services.startup_turn), so they do not migrate, seed or save the
index on top of each other, and every customer is served whichever process takes the socket.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator

import pytest

from tests.support.clients import CustomerClient
from tests.support.system import Gateway, RunningSystem

pytestmark = [pytest.mark.integration]

PROCESSES = 2
CUSTOMERS = 12
STARTED = "Application startup complete."
STARTUP_TIMEOUT_S = 180


@pytest.fixture(scope="module")
def shared_port(system: RunningSystem) -> Iterator[Gateway]:
    """One more gateway with two processes on its port (Rasa's actions still go to the first gateway)."""
    gateway = system.start_gateway(processes=PROCESSES)  # returns once the first process answers
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while gateway.child.log.read_text(errors="replace").count(STARTED) < PROCESSES and time.monotonic() < deadline:
        time.sleep(0.5)  # the next one takes its turn after the first
    yield gateway
    gateway.child.stop()
    system.gateways.remove(gateway)


async def answered(ws_url: str) -> dict[str, object]:
    customer = await CustomerClient.open(ws_url)
    reply = await customer.bot_reply_after(await customer.say("How do I factory reset my Lumen Hub?"))
    await customer.close()
    return reply


async def test_both_processes_start_one_at_a_time_and_every_customer_is_served(shared_port: Gateway) -> None:
    replies = await asyncio.gather(*(answered(shared_port.ws_url) for _ in range(CUSTOMERS)))
    assert all(reply["role"] == "bot" and reply.get("article", {}).get("id") == "hub-reset" for reply in replies)
    log = shared_port.child.log.read_text(errors="replace")
    assert len(re.findall(r"Started server process \[\d+\]", log)) == PROCESSES
    assert log.count(STARTED) == PROCESSES
    assert "Traceback" not in log
