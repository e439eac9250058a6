"""Talks to the Rasa server over its REST channel and HTTP API."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

#: Rasa's Redis tracker store (endpoints.yml) keeps each conversation at this prefix + sender id.
#: Its HTTP API cannot delete a conversation (replacing the events merges them with the stored
#: ones), so an erasure request deletes the key itself.
TRACKER_KEY_PREFIX = "tracker:"


class RasaUnavailable(Exception):
    """Rasa did not answer (down, restarting, overloaded or returned an error)."""


@dataclass(frozen=True)
class BotReply:
    """One bot message from Rasa, normalised from the REST channel's shapes."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    article: dict[str, str] | None = None
    handoff: str | None = None
    ask_contact: bool = False


def _reply(raw: dict[str, Any]) -> BotReply | None:
    """Turn one REST-channel output into a BotReply; our actions put everything in ``custom``."""
    custom: dict[str, Any] = raw["custom"] if isinstance(raw.get("custom"), dict) else {}
    text = str(custom.get("text") or raw.get("text") or "")
    buttons = custom.get("buttons") or raw.get("buttons") or []
    if not text and not buttons:
        return None
    return BotReply(
        text=text,
        buttons=[{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))} for b in buttons],
        article=custom.get("article"),
        handoff=custom.get("handoff"),
        ask_contact=bool(custom.get("ask_contact")),
    )


class RasaClient:
    """A thin async client over one or more Rasa servers; one per process, sharing connection pools.

    With several servers (all using the same Redis tracker and lock stores) each conversation is
    pinned to one of them by a stable hash of its id, so its messages reach Rasa in order and load
    spreads evenly; if that server cannot be reached the next one takes the message, since any
    server can continue any conversation from the shared tracker.
    """

    def __init__(self, base_urls: Sequence[str], timeout_s: float, api_token: str = "") -> None:
        if not base_urls:
            raise ValueError("at least one Rasa server URL is needed")
        self._servers = [httpx.AsyncClient(base_url=url, timeout=timeout_s) for url in base_urls]
        self._api_params = {"token": api_token} if api_token else {}

    def server_for(self, session_id: str) -> str:
        """The URL of the Rasa server a conversation is pinned to (for logs and diagnostics)."""
        return str(self._servers_for(session_id)[0].base_url).rstrip("/")

    def _servers_for(self, session_id: str) -> list[httpx.AsyncClient]:
        """The conversation's own server first, then the others in ring order (for failover)."""
        first = zlib.crc32(session_id.encode()) % len(self._servers)
        return self._servers[first:] + self._servers[:first]

    async def send(self, session_id: str, text: str) -> list[BotReply]:
        """Send a customer message to the bot and return its replies in order."""
        payload = {"sender": session_id, "message": text}
        failure: Exception | None = None
        for server in self._servers_for(session_id):
            try:
                response = await server.post("/webhooks/rest/webhook", json=payload)
                response.raise_for_status()
                outputs = response.json()
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                failure = exc  # never reached this server: the message was not processed, try the next
                continue
            except (httpx.HTTPError, ValueError) as exc:
                # It may have been processed (timeout, 5xx mid-way): retrying elsewhere could answer twice.
                raise RasaUnavailable(f"rasa did not answer: {exc!r}") from exc
            replies = (_reply(o) for o in outputs if isinstance(o, dict))
            return [r for r in replies if r is not None]
        raise RasaUnavailable(f"no rasa server reachable: {failure!r}")

    async def is_ready(self) -> bool:
        """Whether every Rasa server is up with a model loaded."""
        states = await asyncio.gather(*(self._server_ready(server) for server in self._servers))
        return all(states)

    async def _server_ready(self, server: httpx.AsyncClient) -> bool:
        try:
            response = await server.get("/status", params=self._api_params, timeout=2.0)
            return response.status_code == 200 and bool(response.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    async def aclose(self) -> None:
        """Close the connection pools."""
        await asyncio.gather(*(server.aclose() for server in self._servers))
