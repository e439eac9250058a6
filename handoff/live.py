"""Live fan-out of session events across gateway processes, over Redis pub/sub.

Every gateway process runs one :class:`LiveBus`: it publishes events to Redis and, with a single
pattern subscription, hands each event to the local listeners of that channel.

A ``message`` event carries the stored entry itself and the id of the entry before it
(``prev``); the APPEND script publishes it in the same atomic step that stores the message, so a
listener delivers straight from the event and reads the transcript only when the chain breaks.
Events published while this process's subscription was down are lost to it: once it is
subscribed again the bus sends every listener ``resync``, and they read what they missed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from background import raise_if_cancelled
from handoff import keys
from handoff.models import TranscriptEntry

logger = logging.getLogger(__name__)

Event = dict[str, Any]
Listener = Callable[[Event], None]

RESYNC: Event = {"kind": "resync"}


def event_entry(session_id: str, event: Event) -> TranscriptEntry:
    """The transcript entry a live ``message`` event carries."""
    return TranscriptEntry.from_fields(session_id, event["id"], event["entry"])


class Subscription:
    """A listener's registration; ``close()`` removes it."""

    def __init__(self, bus: LiveBus, channel: str, listener: Listener) -> None:
        self._bus, self._channel, self._listener = bus, channel, listener

    def close(self) -> None:
        """Stop delivering events to this listener."""
        self._bus._listeners[self._channel].discard(self._listener)
        if not self._bus._listeners[self._channel]:
            del self._bus._listeners[self._channel]


class LiveBus:
    """Publish events to every gateway; deliver them to this process's listeners."""

    def __init__(self, redis: Redis, subscriber: Redis | None = None) -> None:
        """``subscriber`` should be a client without automatic retries, so that a lost connection
        reaches :meth:`run` (which then tells listeners to resync) instead of being healed silently."""
        self._redis = redis
        self._subscriber = subscriber or redis
        self._listeners: dict[str, set[Listener]] = defaultdict(set)
        self.connected = asyncio.Event()
        self._missed_events = False  # the subscription was down: tell listeners once it is back

    async def aclose(self) -> None:
        """Close the subscriber connection if it is the bus's own."""
        if self._subscriber is not self._redis:
            await self._subscriber.aclose()

    async def publish_session(self, session_id: str, event: Event) -> None:
        """Send an event to everyone following one session (its customer and agents)."""
        await self._publish(keys.live_session(session_id), event)

    async def publish_agents(self, event: Event) -> None:
        """Send an event to every agent console (queue changes, session state)."""
        await self._publish(keys.LIVE_AGENTS, event)

    async def _publish(self, channel: str, event: Event) -> None:
        await self._redis.publish(channel, json.dumps(event, separators=(",", ":")))

    def follow_session(self, session_id: str, listener: Listener) -> Subscription:
        """Call ``listener`` with each event of ``session_id`` (and with ``resync``)."""
        return self._follow(keys.live_session(session_id), listener)

    def follow_agents(self, listener: Listener) -> Subscription:
        """Call ``listener`` with each agent-wide event (and with ``resync``)."""
        return self._follow(keys.LIVE_AGENTS, listener)

    def _follow(self, channel: str, listener: Listener) -> Subscription:
        self._listeners[channel].add(listener)
        return Subscription(self, channel, listener)

    async def run(self) -> None:
        """Receive events until cancelled, reconnecting (and telling listeners to resync)."""
        delay = 0.1
        while True:
            try:
                await self._receive()
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                raise_if_cancelled()
                self.connected.clear()
                self._missed_events = True
                logger.warning("live bus lost redis: %s; retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
            else:
                delay = 0.1

    async def _receive(self) -> None:
        async with self._subscriber.pubsub(ignore_subscribe_messages=True) as pubsub:
            await pubsub.psubscribe(keys.LIVE_PREFIX + "*")
            self.connected.set()
            if self._missed_events:  # only now: a read made before subscribing could miss more
                self._missed_events = False
                self._broadcast(RESYNC)
            async for message in pubsub.listen():
                if message["type"] == "pmessage":
                    self._deliver(message["channel"], json.loads(message["data"]))

    def _deliver(self, channel: str, event: Event) -> None:
        for listener in list(self._listeners.get(channel, ())):
            self._call(listener, event)

    def _broadcast(self, event: Event) -> None:
        for listeners in list(self._listeners.values()):
            for listener in list(listeners):
                self._call(listener, event)

    @staticmethod
    def _call(listener: Listener, event: Event) -> None:
        try:
            listener(event)
        except Exception:  # a broken listener must not stop delivery to the others
            logger.exception("live listener failed")
