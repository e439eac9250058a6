"""The background deliverer every gateway runs: takes events, logs their deliveries, sends them.

One loop per gateway process:

1. take events from the outbox (this gateway's share of the consumer group), build each payload
   once, add one pending delivery per subscribed endpoint to the log, then acknowledge the events;
2. lease the due deliveries and POST them, signed, with a timeout; a 2xx answer delivers, anything
   else (another status, a timeout, a refused connection, a redirect) is retried after an
   exponential backoff until ``max_attempts``, then the delivery is a dead letter.

Nothing here runs on a chat's path: the chat only appended the event to the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import httpx

from background import raise_if_cancelled
from webhooks.endpoints import EndpointStore
from webhooks.log import DeliveryLog, DueDelivery
from webhooks.outbox import MAX_TAKES, EventOutbox, QueuedEvent, consumer_name
from webhooks.payloads import PayloadBuilder, encode
from webhooks.settings import WebhookSettings
from webhooks.signing import SIGNATURE_HEADER, signature_header

logger = logging.getLogger(__name__)
USER_AGENT = "Tandem-Webhooks/1"
LEASE_MARGIN_S = 30.0  # a lease outlives the attempt's timeout by this much


class Deliverer:
    """Moves events from the outbox into the delivery log, and deliveries to their receivers."""

    def __init__(self, outbox: EventOutbox, endpoints: EndpointStore, log: DeliveryLog, payloads: PayloadBuilder,
                 settings: WebhookSettings, client: httpx.AsyncClient | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._outbox = outbox
        self._endpoints = endpoints
        self._log = log
        self._payloads = payloads
        self._settings = settings
        self._client = client or httpx.AsyncClient(timeout=settings.timeout_s, follow_redirects=False)
        self._clock = clock
        self._consumer = consumer_name()
        self._stopping = False

    def stop(self) -> None:
        """Make :meth:`run` return after the round it is in (the gateway's shutdown calls it before the
        cancel). A cancel alone ends the loop too, even one that comes out of the HTTP client's or Redis's
        own timeout as that timeout's error (:func:`background.raise_if_cancelled`)."""
        self._stopping = True

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    async def run(self) -> None:
        """Deliver until stopped (or cancelled); a failure (Redis or SQL away) is logged and the loop goes on."""
        while not self._stopping:
            try:
                await self.step()
            except Exception:
                raise_if_cancelled()
                if self._stopping:
                    return
                logger.exception("webhook delivery round failed")
                await asyncio.sleep(self._settings.poll_interval_s)

    async def step(self) -> None:
        """One round: take new events (waiting up to the poll interval), then send what is due."""
        events = await self._outbox.take(self._consumer, self._settings.batch_size,
                                         int(self._settings.poll_interval_s * 1000))
        await self._outbox.done([event.entry_id for event in events if await self._fanned_out(event)])
        await self.send_due()

    async def _fanned_out(self, event: QueuedEvent) -> bool:
        """Whether the event is finished with: its deliveries are in the log, or it failed
        MAX_TAKES times (then it is dropped, logged). Else it stays unacknowledged and is taken
        again after CLAIM_IDLE_MS."""
        try:
            await self._fan_out(event)
            return True
        except Exception:
            taken = await self._outbox.times_taken(event.entry_id)
            logger.exception("webhook event=%s type=%s could not be logged (taken %d times)", event.id,
                             event.type.value, taken)
            return taken >= MAX_TAKES

    async def _fan_out(self, event: QueuedEvent) -> None:
        endpoints = await asyncio.to_thread(self._endpoints.subscribed, event.type.value)
        if not endpoints:
            return
        body = encode(await self._payloads.build(event))
        await asyncio.to_thread(self._log.add, event.id, event.type.value, event.session.session_id, body,
                                [endpoint.id for endpoint in endpoints], self._clock())

    async def send_due(self) -> int:
        """Send every delivery that is due (one batch); returns how many were tried."""
        lease_s = self._settings.timeout_s + LEASE_MARGIN_S
        due = await asyncio.to_thread(self._log.lease_due, self._clock(), lease_s, self._settings.batch_size)
        for failure in await asyncio.gather(*(self._attempt(d) for d in due), return_exceptions=True):
            if isinstance(failure, BaseException):  # not logged: its lease runs out and it is tried again
                logger.error("webhook attempt could not be logged: %r", failure)
        return len(due)

    async def _attempt(self, delivery: DueDelivery) -> None:
        body = delivery.body.encode()
        started = self._clock()
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   "X-Tandem-Event": delivery.event_type, "X-Tandem-Event-Id": delivery.event_id,
                   "X-Tandem-Delivery": str(delivery.id),
                   SIGNATURE_HEADER: signature_header(delivery.secret, int(started), body)}
        status_code: int | None = None
        error: str | None = None
        try:
            response = await self._client.post(delivery.url, content=body, headers=headers)
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"the receiver answered HTTP {status_code}"
        except Exception as exc:  # any failure to get an answer (timeout, refused, bad URL) is a failed attempt
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        duration_ms = int((self._clock() - started) * 1000)
        status = await asyncio.to_thread(
            self._log.record, delivery.id, self._clock(), status_code, error, duration_ms,
            max_attempts=self._settings.max_attempts, backoff_s=self._settings.backoff_s)
        logger.info("webhook delivery=%s event=%s attempt=%d status=%s code=%s", delivery.id, delivery.event_type,
                    delivery.attempts + 1, status.value, status_code)
