"""Conversations with the bot: a customer's message over Rasa's REST channel, what Rasa makes
of a text (without touching any conversation), readiness, and a conversation's tracker in Redis.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from redis.asyncio import Redis

from rasa_bridge.admin import READY_TIMEOUT_S, STATUS, shows_loaded_model, token_params
from rasa_bridge.errors import RasaUnavailable
from rasa_bridge.pinning import failover_order

#: Rasa's Redis tracker store (endpoints.yml) keeps each conversation at this prefix + sender id.
#: Its HTTP API cannot delete a conversation (replacing the events merges them with the stored
#: ones), so an erasure request deletes the key itself.
TRACKER_KEY_PREFIX = "tracker:"
REST_WEBHOOK = "/webhooks/rest/webhook"
PARSE = "/model/parse"


def tracker_key(sender_id: str) -> str:
    """The Redis key of one conversation's tracker."""
    return TRACKER_KEY_PREFIX + sender_id


async def erase_tracker(redis: Redis, sender_id: str) -> None:
    """Forget everything the bot keeps about one conversation (idempotent)."""
    await redis.delete(tracker_key(sender_id))


@dataclass(frozen=True)
class BotReply:
    """One bot message from Rasa, normalised from the REST channel's shapes."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    article: dict[str, str] | None = None
    handoff: str | None = None
    ask_contact: bool = False


def bot_reply(raw: dict[str, Any]) -> BotReply | None:
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


@dataclass(frozen=True)
class IntentGuess:
    """One intent Rasa considered, with its confidence (0 to 1)."""

    name: str
    confidence: float


@dataclass(frozen=True)
class Entity:
    """One entity Rasa found: its type, the value, and where it is in the text (character offsets)."""

    entity: str
    value: str
    start: int | None = None
    end: int | None = None
    extractor: str | None = None


@dataclass(frozen=True)
class Parse:
    """What the loaded model makes of a text: the intent, the ranking it chose from, the entities."""

    text: str
    intent: IntentGuess | None
    ranking: list[IntentGuess]
    entities: list[Entity]

    @classmethod
    def from_rasa(cls, body: dict[str, Any]) -> Parse:
        """From the body of ``POST /model/parse`` (an empty text has no intent)."""
        intent = body.get("intent") or {}
        return cls(
            text=str(body.get("text", "")),
            intent=IntentGuess(str(intent["name"]), float(intent.get("confidence") or 0.0)) if intent.get("name")
            else None,
            ranking=[IntentGuess(str(i["name"]), float(i.get("confidence") or 0.0))
                     for i in body.get("intent_ranking") or [] if i.get("name")],
            entities=[Entity(str(e["entity"]), str(e.get("value", "")), e.get("start"), e.get("end"),
                             e.get("extractor")) for e in body.get("entities") or []],
        )


    def as_rasa(self) -> dict[str, Any]:
        """Back in the shape of Rasa's parse data (``tracker.latest_message``), as routing reads it."""
        ranking = [{"name": guess.name, "confidence": guess.confidence} for guess in self.ranking]
        intent = {"name": self.intent.name, "confidence": self.intent.confidence} if self.intent else {}
        return {"text": self.text, "intent": intent, "intent_ranking": ranking,
                "entities": [{"entity": e.entity, "value": e.value} for e in self.entities]}


class RasaClient:
    """A thin async client over one or more Rasa servers; one per process, sharing connection pools.

    With several servers each conversation is pinned to one and fails over to the next
    (:mod:`rasa_bridge.pinning`).
    """

    def __init__(self, base_urls: Sequence[str], timeout_s: float, api_token: str = "") -> None:
        if not base_urls:
            raise ValueError("at least one Rasa server URL is needed")
        self._servers = [httpx.AsyncClient(base_url=url, timeout=timeout_s) for url in base_urls]
        self._api_params = token_params(api_token)

    def server_for(self, session_id: str) -> str:
        """The URL of the Rasa server a conversation is pinned to (for logs and diagnostics)."""
        return str(self._servers_for(session_id)[0].base_url).rstrip("/")

    def _servers_for(self, key: str) -> list[httpx.AsyncClient]:
        return [self._servers[n] for n in failover_order(key, len(self._servers))]

    async def send(self, session_id: str, text: str) -> list[BotReply]:
        """Send a customer message to the bot and return its replies in order."""
        payload = {"sender": session_id, "message": text}
        failure: Exception | None = None
        for server in self._servers_for(session_id):
            try:
                response = await server.post(REST_WEBHOOK, json=payload)
                response.raise_for_status()
                outputs = response.json()
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                failure = exc  # never reached this server: the message was not processed, try the next
                continue
            except (httpx.HTTPError, ValueError) as exc:
                # It may have been processed (timeout, 5xx mid-way): retrying elsewhere could answer twice.
                raise RasaUnavailable(f"rasa did not answer: {exc!r}") from exc
            replies = (bot_reply(o) for o in outputs if isinstance(o, dict))
            return [r for r in replies if r is not None]
        raise RasaUnavailable(f"no rasa server reachable: {failure!r}")

    async def parse(self, text: str) -> Parse:
        """What the live model makes of ``text``; no conversation is touched, no action runs.

        Parsing changes nothing, so any failure moves on to the next server.
        """
        failure: Exception | None = None
        for server in self._servers_for(text):
            try:
                response = await server.post(PARSE, params=self._api_params, json={"text": text})
                response.raise_for_status()
                return Parse.from_rasa(response.json())
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                failure = exc
        raise RasaUnavailable(f"no rasa server could parse the text: {failure!r}")

    async def is_ready(self) -> bool:
        """Whether every Rasa server is up with a model loaded."""
        states = await asyncio.gather(*(self._server_ready(server) for server in self._servers))
        return all(states)

    async def _server_ready(self, server: httpx.AsyncClient) -> bool:
        try:
            return shows_loaded_model(await server.get(STATUS, params=self._api_params, timeout=READY_TIMEOUT_S))
        except httpx.HTTPError:
            return False

    async def aclose(self) -> None:
        """Close the connection pools."""
        await asyncio.gather(*(server.aclose() for server in self._servers))
