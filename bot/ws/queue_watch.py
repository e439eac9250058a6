"""One queue snapshot per gateway process, shared by every agent console it serves.

A snapshot reads every waiting and assigned session with its preview. Built per console, N
consoles on a gateway cost N identical snapshots after every queue change; the watch builds it
once (at most every ``COALESCE_S`` while the queue keeps moving), encodes it once, and hands the
same frame to every console.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from weakref import WeakKeyDictionary

from background import raise_if_cancelled
from bot.services import Services
from bot.ws.connection import Outbox
from handoff import RESYNC, HandoffService, LiveBus

logger = logging.getLogger(__name__)
COALESCE_S = 0.1
_WATCHES: WeakKeyDictionary[LiveBus, QueueWatch] = WeakKeyDictionary()


def queue_watch(services: Services) -> QueueWatch:
    """This process's watch (made on first use; its task stops with the other background tasks)."""
    watch = _WATCHES.get(services.bus)
    if watch is None:
        watch = _WATCHES[services.bus] = QueueWatch(services.handoff, services.bus)
        services.background.append(asyncio.create_task(watch.run()))
    return watch


class QueueWatch:
    """Sends the ``queue`` frame to the consoles that joined, and to all of them after a change."""

    def __init__(self, handoff: HandoffService, bus: LiveBus) -> None:
        self._handoff = handoff
        self._outboxes: set[Outbox] = set()
        self._joined: set[Outbox] = set()  # need a first snapshot
        self._changed = False  # everyone needs a new snapshot
        self._dirty = asyncio.Event()
        self._subscription = bus.follow_agents(self._on_event)

    def add(self, outbox: Outbox) -> None:
        """Send this console the queue now, and again whenever it changes."""
        self._outboxes.add(outbox)
        self._joined.add(outbox)
        self._dirty.set()

    def remove(self, outbox: Outbox) -> None:
        """The console went away."""
        self._outboxes.discard(outbox)
        self._joined.discard(outbox)

    def _on_event(self, event: dict[str, Any]) -> None:
        """A session changed state or labels (or events may have been missed): the queue may differ."""
        if event.get("kind") in ("state", "labels", RESYNC["kind"]):
            self._changed = True
            self._dirty.set()

    async def run(self) -> None:
        """Build and send snapshots until cancelled."""
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            everyone, self._changed = self._changed, False
            targets = set(self._outboxes) if everyone else set(self._joined)
            self._joined.clear()
            try:
                text = await self._snapshot()
            except Exception:  # e.g. Redis away: try again shortly, for the same consoles
                raise_if_cancelled()
                logger.warning("queue snapshot failed", exc_info=True)
                self._changed = self._changed or everyone
                self._joined |= targets
                self._dirty.set()
                await asyncio.sleep(0.5)
                continue
            for outbox in targets & self._outboxes:
                outbox.put(text)
            await asyncio.sleep(COALESCE_S)

    async def _snapshot(self) -> str:
        items = await self._handoff.queue()
        return json.dumps({"type": "queue", "sessions": [item.as_dict() for item in items]}, separators=(",", ":"))
