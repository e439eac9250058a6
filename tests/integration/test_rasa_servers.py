"""Several Rasa servers behind one gateway: conversations are pinned, and fail over when one is down."""

from __future__ import annotations

import uuid

import pytest

from bot.processes import free_port
from rasa_bridge import RasaClient, RasaUnavailable
from tests.support.system import RASA_TOKEN, RunningSystem

pytestmark = pytest.mark.integration


async def test_conversations_whose_server_is_down_are_answered_by_the_next_one(system: RunningSystem) -> None:
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there: as if that Rasa was killed
    client = RasaClient([down, system.rasa_urls[0]], timeout_s=30, api_token=RASA_TOKEN)
    try:
        senders = [uuid.uuid4().hex for _ in range(6)]
        for sender in senders:  # about half of them are pinned to the server that is down
            replies = await client.send(sender, "How do I factory reset my Lumen Hub?")
            assert replies and replies[0].article is not None and replies[0].article["id"] == "hub-reset"
        assert not await client.is_ready()  # health reports the missing server
    finally:
        await client.aclose()


async def test_a_conversation_always_goes_to_the_same_server_first() -> None:
    urls = [f"http://127.0.0.1:{free_port()}" for _ in range(3)]
    client = RasaClient(urls, timeout_s=1)
    try:
        assert {client.server_for(f"s-{n}") for n in range(60)} == set(urls)  # spread over every server...
        for n in range(20):  # ...and stable for one conversation
            assert client.server_for(f"s-{n}") == RasaClient(urls, timeout_s=1).server_for(f"s-{n}")
        with pytest.raises(RasaUnavailable, match="no rasa server reachable"):
            await client.send("s-1", "hello")
    finally:
        await client.aclose()


def test_a_client_needs_a_server() -> None:
    with pytest.raises(ValueError, match="at least one"):
        RasaClient([], timeout_s=1)
