"""Which small sentence encoder the knowledge base searches with: the one fitted for the live model.

Rasa's featurizer finds its encoder in the model archive it loads (the candidate's config names the
folder, :mod:`retraining.trainer`). The knowledge base lives in every gateway, each with its own
index, and the registry (shared by every gateway, like the archives) says which model is live. So
each gateway checks the registry every ``interval_s`` and, when the live model changed, switches
its knowledge base to that model's encoder (the packaged MiniLM for a model without one); the
gateway that promotes or rolls back switches at once, before it answers the admin.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from background import raise_if_cancelled
from retraining.registry import Registry

logger = logging.getLogger(__name__)

FOLLOW_INTERVAL_S = 1.0
UseEncoder = Callable[[Path | None], object]


class LiveEncoder:
    """Keeps one knowledge base on the live model's encoder; ``use`` switches it (blocking)."""

    def __init__(self, registry: Registry, use: UseEncoder) -> None:
        self._registry = registry
        self._use = use
        self._live_id: str | None = None
        self._synced = False  # the first sync always applies the live model's encoder

    def current(self) -> Path | None:
        """The live model's fitted encoder, or None (no live model, or one without its own encoder)."""
        live = self._registry.live()
        return self._registry.encoder(live.id) if live is not None else None

    def sync(self) -> bool:
        """Switch to the live model's encoder on the first call, then whenever the live model changed."""
        live = self._registry.live()
        live_id = live.id if live is not None else None
        if self._synced and live_id == self._live_id:
            return False
        self._use(self._registry.encoder(live_id) if live_id is not None else None)
        self._live_id, self._synced = live_id, True
        return True

    async def follow(self, interval_s: float = FOLLOW_INTERVAL_S) -> None:
        """:meth:`sync` every ``interval_s`` until cancelled (a gateway background task)."""
        while True:
            try:
                if await asyncio.to_thread(self.sync):
                    logger.info("knowledge base follows the live model=%s", self._live_id)
            except Exception:  # an unreadable registry or a worker hiccup: the next poll retries
                raise_if_cancelled()
                logger.exception("following the live model's encoder failed; retrying")
            await asyncio.sleep(interval_s)
