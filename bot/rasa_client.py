"""Talks to the Rasa server over its REST channel and HTTP API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


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
    """A thin async client; one per process, sharing its connection pool."""

    def __init__(self, base_url: str, timeout_s: float, api_token: str = "") -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)
        self._api_params = {"token": api_token} if api_token else {}

    async def send(self, session_id: str, text: str) -> list[BotReply]:
        """Send a customer message to the bot and return its replies in order."""
        try:
            response = await self._http.post(
                "/webhooks/rest/webhook", json={"sender": session_id, "message": text}
            )
            response.raise_for_status()
            outputs = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise RasaUnavailable(f"rasa did not answer: {exc!r}") from exc
        replies = (_reply(o) for o in outputs if isinstance(o, dict))
        return [r for r in replies if r is not None]

    async def is_ready(self) -> bool:
        """Whether Rasa is up with a model loaded."""
        try:
            response = await self._http.get("/status", params=self._api_params, timeout=2.0)
            return response.status_code == 200 and bool(response.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()
