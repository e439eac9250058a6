"""Rasa's HTTP API for operators: which model is loaded, load another, test intents, read a tracker.

The server runs with ``--enable-api --auth-token``; the token goes in the ``token`` query
parameter. ``PUT /model`` loads the new model beside the old one and swaps it in when it is ready,
so conversations carry on (their trackers are in Redis, not in the model).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from rasa_bridge.errors import RasaServerError

LOAD_TIMEOUT_S = 300.0  # loading a model builds its TensorFlow graph: about 15 s on 2 cores, more under load
READY_TIMEOUT_S = 2.0
STATUS = "/status"
YAML = "application/x-yaml"


def token_params(token: str) -> dict[str, str]:
    """The query parameters that authenticate a call to the HTTP API (none without a token)."""
    return {"token": token} if token else {}


def shows_loaded_model(response: httpx.Response) -> bool:
    """Whether a ``GET /status`` answer says the server is up with a model loaded."""
    try:
        return response.status_code == 200 and bool(response.json().get("model_file"))
    except ValueError:
        return False


def server_ready(url: str, token: str) -> bool:
    """Whether the server at ``url`` is up with a model loaded (blocking: for launchers' polls)."""
    try:
        return shows_loaded_model(httpx.get(f"{url.rstrip('/')}{STATUS}", params=token_params(token),
                                            timeout=READY_TIMEOUT_S))
    except httpx.HTTPError:
        return False


class RasaServer:
    """One Rasa server's HTTP API."""

    def __init__(self, url: str, token: str, timeout_s: float = LOAD_TIMEOUT_S) -> None:
        self.url = url.rstrip("/")
        self._params = token_params(token)
        self._timeout = timeout_s

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.url, timeout=self._timeout) as client:
            try:
                return await client.request(method, path, params=self._params, **kwargs)
            except httpx.HTTPError as exc:
                raise RasaServerError(f"Rasa at {self.url} did not answer {method} {path}: {exc!r}") from exc

    async def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = await self._request(method, path, **kwargs)
        if response.status_code != 200:
            raise RasaServerError(f"Rasa at {self.url} answered {method} {path} with {response.status_code}: "
                                  f"{response.text[:300]}")
        body: dict[str, Any] = response.json()
        return body

    async def status(self) -> dict[str, Any]:
        """``{"model_file": <archive name>, "model_id": <fingerprint>, ...}`` of the loaded model."""
        return await self._json("GET", STATUS)

    async def load(self, archive: Path) -> None:
        """Load ``archive`` (a path the Rasa server can read) and make it the model that answers."""
        response = await self._request("PUT", "/model", json={"model_file": str(archive.resolve())})
        if response.status_code != 204:
            raise RasaServerError(f"Rasa at {self.url} refused {archive.name}: {response.status_code} "
                                  f"{response.text[:300]}")

    async def test_intents(self, nlu_yaml: str) -> dict[str, Any]:
        """Rasa's intent evaluation of the loaded model on the examples in ``nlu_yaml``."""
        return await self._json("POST", "/model/test/intents", content=nlu_yaml.encode(),
                                headers={"Content-Type": YAML})

    async def tracker_events(self, sender_id: str) -> list[dict[str, Any]]:
        """The events Rasa keeps for one conversation (an unknown one has none of the user's)."""
        tracker = await self._json("GET", f"/conversations/{quote(sender_id, safe='')}/tracker")
        events: list[dict[str, Any]] = tracker.get("events") or []
        return events
