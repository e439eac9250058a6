"""Protocol clients for the two WebSockets, with waits that poll against a deadline."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

Frame = dict[str, Any]
DEFAULT_TIMEOUT_S = 30.0


class ProtocolClient:
    """Collects every frame the server sends; tests wait for the frame they expect."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.frames: list[Frame] = []
        self._arrived = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.connection:
                self.frames.append(json.loads(raw))
                self._arrived.set()
        except Exception:
            self._arrived.set()

    async def send(self, frame: Frame) -> None:
        await self.connection.send(json.dumps(frame))

    async def send_raw(self, raw: str | bytes) -> None:
        await self.connection.send(raw)

    async def wait_for(self, predicate: Callable[[Frame], bool], timeout_s: float = DEFAULT_TIMEOUT_S,
                       start: int = 0) -> Frame:
        """The first frame (from index ``start``) matching ``predicate``."""
        deadline = time.monotonic() + timeout_s
        while True:
            for frame in self.frames[start:]:
                if predicate(frame):
                    return frame
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._reader.done():
                raise AssertionError(f"no matching frame within {timeout_s}s; got {self.frames[start:]}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=min(remaining, 0.5))

    def messages(self, role: str | None = None) -> list[Frame]:
        """Distinct transcript messages received so far (by id), optionally of one role."""
        seen: dict[str, Frame] = {}
        for frame in self.frames:
            if frame.get("type") == "message" and (role is None or frame["role"] == role):
                seen.setdefault(frame["id"], frame)
        return list(seen.values())

    async def close(self) -> None:
        await self.connection.close()
        self._reader.cancel()


class CustomerClient(ProtocolClient):
    """A widget, as the protocol sees it."""

    session_id: str = ""
    session_token: str = ""

    @classmethod
    async def open(cls, ws_url: str, token: str | None = None, last_message_id: str | None = None,
                   origin: str | None = None) -> CustomerClient:
        headers = {"Origin": origin} if origin else None
        client = cls(await connect(f"{ws_url}/ws/customer", additional_headers=headers, max_size=4 * 2**20))
        with contextlib.suppress(ConnectionClosed):  # the server may refuse (and close) before hello
            await client.send({"type": "hello", "session_token": token, "last_message_id": last_message_id})
        session = await client.wait_for(lambda f: f["type"] in ("session", "error"))
        client.session_id = session.get("session_id", "")
        client.session_token = session.get("session_token", "")
        return client

    async def say(self, text: str, client_id: str | None = None) -> str:
        """Send a message; returns its client_id once acknowledged."""
        client_id = client_id or uuid.uuid4().hex
        await self.send({"type": "message", "client_id": client_id, "text": text})
        await self.wait_for(lambda f: f["type"] == "ack" and f["client_id"] == client_id)
        return client_id

    async def bot_reply_after(self, client_id: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Frame:
        """The first bot (or system) message after the customer's message ``client_id``."""
        mine = await self.wait_for(lambda f: f["type"] == "message" and f.get("client_id") == client_id, timeout_s)
        start = self.frames.index(mine)
        return await self.wait_for(
            lambda f: f["type"] == "message" and f["role"] in ("bot", "system"), timeout_s, start=start + 1
        )


class AgentClient(ProtocolClient):
    """An agent console, as the protocol sees it."""

    agent: Frame

    @classmethod
    async def open(cls, ws_url: str, token: str) -> AgentClient:
        client = cls(await connect(f"{ws_url}/ws/agent"))
        await client.send({"type": "auth", "token": token})
        client.agent = (await client.wait_for(lambda f: f["type"] in ("ready", "error"))).get("agent", {})
        return client

    async def wait_queued(self, session_id: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Frame:
        """The queue snapshot that first lists ``session_id`` as waiting."""
        return await self.wait_for(
            lambda f: f["type"] == "queue"
            and any(s["session_id"] == session_id and s["state"] == "queued" for s in f["sessions"]),
            timeout_s,
        )

    async def reply(self, session_id: str, text: str) -> str:
        client_id = uuid.uuid4().hex
        await self.send({"type": "message", "session_id": session_id, "client_id": client_id, "text": text})
        await self.wait_for(lambda f: f["type"] in ("ack", "error") and f.get("client_id", f.get("ref")) == client_id)
        return client_id


def handoff_action_call(session_id: str) -> Frame:
    """What Rasa posts to the action webhook (``/actions/webhook``) when a customer asks for a
    person: lets tests and benchmarks escalate a chat on any gateway without running Rasa."""
    latest = {"text": "I want a human", "intent": {"name": "request_human", "confidence": 0.99},
              "intent_ranking": [{"name": "request_human", "confidence": 0.99}], "entities": []}
    return {"next_action": "action_handoff", "sender_id": session_id, "version": "3.6.0", "domain": {},
            "tracker": {"sender_id": session_id, "slots": {}, "latest_message": latest, "events": [],
                        "paused": False, "followup_action": None, "active_loop": {},
                        "latest_action_name": "action_listen"}}


async def escalate_in_redis(redis_url: str, session_id: str, queue: str) -> None:
    """Escalate a chat to ``queue`` straight through Redis, as a gateway's bot would (the action
    webhook always uses the default queue); every gateway sees the event."""
    from redis.asyncio import Redis

    from handoff import HandoffService, LiveBus, PresenceRegistry
    from outcomes import EscalationReason

    client = Redis.from_url(redis_url, decode_responses=True)
    bus = LiveBus(client)
    await HandoffService(client, bus, PresenceRegistry(client, bus, ttl_s=30)).escalate(
        session_id, EscalationReason.CUSTOMER_REQUEST, queue=queue)
    await client.aclose()
