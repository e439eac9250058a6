"""Webhook cost on the chat's path, and the time from an event to its delivery, with two deliverers.

In one process, over a real Redis (``tests.support.system.test_redis_url``) and a SQLite file:
N customers, arriving ``--rate`` per second (0: all at once, a burst), each send a message
with an e-mail address and are escalated through the handoff service; two
:class:`webhooks.Deliverer` loops (as two gateways run them, default settings) send every
event, its question redacted by the real Presidio redactor, to a local HTTP receiver.
Prints one JSON line:

- ``emit_ms_p50/p95``: what an event costs the move that raises it (one XADD to the outbox);
- ``delivery_ms_p50/p95/max``: from the event (payload ``created_at``) to the receiver reading the POST;
- ``delivered``, ``duplicated``, ``lost``: events received once, more than once, never (within 30 s);
- ``load_1m``: the machine's load average at the end.

Run: ``.venv/bin/python benchmarks/webhook_latency.py [--events 100] [--rate 5]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from redis.asyncio import Redis

from bot.services import make_engine
from handoff import ConversationEvent, HandoffService, LiveBus, PresenceRegistry, Session
from privacy import PresidioRedactor
from tests.support.receiver import running_receiver
from tests.support.system import test_redis_url
from webhooks import Deliverer, DeliveryLog, EndpointStore, EventOutbox, PayloadBuilder, WebhookSettings


class TimedOutbox(EventOutbox):
    """The outbox, timing each emit (the cost a move pays)."""

    def __init__(self, redis: Redis) -> None:
        super().__init__(redis)
        self.emit_ms: list[float] = []

    async def emit(self, event: ConversationEvent, session: Session, **facts: Any) -> None:
        started = time.perf_counter()
        await super().emit(event, session, **facts)
        self.emit_ms.append((time.perf_counter() - started) * 1000)


def quantile(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100)[int(q * 100) - 1], 2) if len(values) > 1 else 0.0


async def run(events: int, rate: float, redis_url: str, folder: Path) -> dict[str, Any]:
    redis = Redis.from_url(redis_url, decode_responses=True)
    await redis.flushdb()
    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    endpoints, log = EndpointStore(engine), DeliveryLog(engine)
    endpoints.create_schema()
    redactor = PresidioRedactor()
    redactor.warm_up()
    bus = LiveBus(redis)
    outbox = TimedOutbox(redis)
    handoff = HandoffService(redis, bus, PresenceRegistry(redis, bus, ttl_s=30), events=outbox)
    with running_receiver() as receiver:
        endpoints.create(receiver.url("/bench"), ["conversation.escalated"])
        deliverers = [Deliverer(EventOutbox(redis), endpoints, log, PayloadBuilder(handoff, engine, redactor.redact),
                                WebhookSettings()) for _ in range(2)]
        tasks = [asyncio.create_task(d.run()) for d in deliverers]
        for n in range(events):
            session = await handoff.start_session()
            await handoff.customer_message(session.session_id, f"I need a person, mail me at c{n}@example.org", "m")
            await handoff.escalate(session.session_id, "customer_request")
            if rate:
                await asyncio.sleep(1 / rate)
        deadline = time.monotonic() + 30
        while len(receiver.at("/bench")) < events and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for deliverer in deliverers:
            await deliverer.aclose()
        received = receiver.at("/bench")
    await redis.aclose()
    engine.dispose()
    ids = Counter(r.headers["x-tandem-event-id"] for r in received)
    latency = [(r.at - _epoch(json.loads(r.body)["created_at"])) * 1000 for r in received]
    return {"benchmark": "webhook_latency", "events": events, "rate_per_s": rate,
            "emit_ms_p50": quantile(outbox.emit_ms, 0.5), "emit_ms_p95": quantile(outbox.emit_ms, 0.95),
            "delivery_ms_p50": quantile(latency, 0.5), "delivery_ms_p95": quantile(latency, 0.95),
            "delivery_ms_max": round(max(latency, default=0.0), 2), "delivered": len(ids),
            "duplicated": sum(1 for c in ids.values() if c > 1), "lost": events - len(ids),
            "load_1m": round(os.getloadavg()[0], 2)}


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--rate", type=float, default=5.0, help="escalations per second; 0 = all at once")
    args = parser.parse_args()
    redis_url, embedded = test_redis_url(offset=2)
    try:
        with tempfile.TemporaryDirectory() as folder:
            print(json.dumps(asyncio.run(run(args.events, args.rate, redis_url, Path(folder)))))
    finally:
        if embedded:
            embedded.stop()


if __name__ == "__main__":
    main()
