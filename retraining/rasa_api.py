"""The parts of Rasa's HTTP API the loop uses: which model is loaded, load another, test intents.

The Rasa server runs with ``--enable-api --auth-token``; the token goes in the ``token`` query
parameter. ``PUT /model`` loads the new model beside the old one and swaps it in when it is ready,
so conversations carry on (their trackers are in Redis, not in the model).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from retraining.errors import RasaServerError

LOAD_TIMEOUT_S = 300.0  # loading a model builds its TensorFlow graph: about 15 s on 2 cores, more under load
YAML = "application/x-yaml"


class RasaServer:
    """One Rasa server's HTTP API."""

    def __init__(self, url: str, token: str, timeout_s: float = LOAD_TIMEOUT_S) -> None:
        self.url = url.rstrip("/")
        self._params = {"token": token} if token else {}
        self._timeout = timeout_s

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async with httpx.AsyncClient(base_url=self.url, timeout=self._timeout) as client:
            try:
                return await client.request(method, path, params=self._params, **kwargs)
            except httpx.HTTPError as exc:
                raise RasaServerError(f"Rasa at {self.url} did not answer {method} {path}: {exc!r}") from exc

    async def status(self) -> dict[str, Any]:
        """``{"model_file": <archive name>, "model_id": <fingerprint>, ...}`` of the loaded model."""
        response = await self._request("GET", "/status")
        if response.status_code != 200:
            raise RasaServerError(f"Rasa at {self.url} answered GET /status with {response.status_code}: "
                                  f"{response.text[:300]}")
        body: dict[str, Any] = response.json()
        return body

    async def load(self, archive: Path) -> None:
        """Load ``archive`` (a path the Rasa server can read) and make it the model that answers."""
        response = await self._request("PUT", "/model", json={"model_file": str(archive.resolve())})
        if response.status_code != 204:
            raise RasaServerError(f"Rasa at {self.url} refused {archive.name}: {response.status_code} "
                                  f"{response.text[:300]}")

    async def test_intents(self, nlu_yaml: str) -> dict[str, Any]:
        """Rasa's intent evaluation of the loaded model on the examples in ``nlu_yaml``."""
        response = await self._request("POST", "/model/test/intents", content=nlu_yaml.encode(),
                                       headers={"Content-Type": YAML})
        if response.status_code != 200:
            raise RasaServerError(f"Rasa at {self.url} could not test intents: {response.status_code} "
                                  f"{response.text[:300]}")
        body: dict[str, Any] = response.json()
        return body
