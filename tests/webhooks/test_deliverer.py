"""Events from the handoff moves to a local HTTP server through two deliverers sharing one Redis
and one database (as two gateways do): each event is delivered once, one a crashed gateway took is
delivered by the other, and the stream never holds the ticket's contact."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis
from sqlalchemy import Engine

from handoff import Agent, HandoffService, LiveBus, PresenceRegistry
from privacy import RedactionUnavailable
from tests.support.receiver import Receiver, running_receiver
from webhooks import Deliverer, DeliveryLog, EndpointStore, EventOutbox, PayloadBuilder, WebhookSettings, verify
from webhooks import deliverer as deliverer_module
from webhooks import outbox as outbox_module

pytestmark = pytest.mark.integration
SETTINGS = WebhookSettings(poll_interval_s=0.1, backoff_base_s=0.2, max_attempts=3, timeout_s=2)
CONTACT = "someone@example.org"
STOP_TIMEOUT_S = 10.0  # a deliverer that has not stopped by then fails the test instead of hanging it


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture
def handoff(redis: Redis) -> HandoffService:
    bus = LiveBus(redis)
    return HandoffService(redis, bus, PresenceRegistry(redis, bus, ttl_s=30), events=EventOutbox(redis))


@contextlib.asynccontextmanager
async def deliverers(redis: Redis, engine: Engine, handoff: HandoffService, count: int) -> AsyncIterator[None]:
    """``count`` deliverers running, as ``count`` gateways would; stopped on exit."""
    outbox, store, log = EventOutbox(redis), EndpointStore(engine), DeliveryLog(engine)
    payloads = PayloadBuilder(handoff, engine, redact=lambda text: text.replace(CONTACT, "[EMAIL]"))
    running = [Deliverer(outbox, store, log, payloads, SETTINGS) for _ in range(count)]
    tasks = [asyncio.create_task(d.run()) for d in running]
    try:
        yield
    finally:
        for deliverer in running:
            deliverer.stop()  # as a gateway's shutdown does: a cancel alone can be lost (Deliverer.stop)
        for task in tasks:
            task.cancel()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), STOP_TIMEOUT_S)
        for deliverer in running:
            await deliverer.aclose()


async def wait_until(check: object, timeout_s: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not check():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "not within the deadline"
        await asyncio.sleep(0.05)


async def test_two_gateways_deliver_each_event_once(
    redis: Redis, engine: Engine, endpoints: EndpointStore, handoff: HandoffService, receiver: Receiver,
) -> None:
    secret = endpoints.create(receiver.url("/hook"), ["conversation.escalated", "conversation.assigned",
                                                      "conversation.offline_ticket"]).secret
    agent = Agent("agent1", "Alex Agent")
    async with deliverers(redis, engine, handoff, count=2):
        sessions = [await handoff.start_session() for _ in range(12)]
        for session in sessions:
            await handoff.escalate(session.session_id, "customer_request")
        await handoff.escalate(sessions[0].session_id, "customer_request")  # already queued: no second event
        await handoff.leave_contact(sessions[1].session_id, CONTACT, f"Write to {CONTACT}", "c1")
        for session in sessions[:4]:
            await handoff.claim(session.session_id, agent, check_capacity=False)
        await wait_until(lambda: len(receiver.at("/hook")) >= 12 + 1 + 4)
        await asyncio.sleep(0.5)  # time enough for a duplicate to arrive, if there were one
    received = receiver.at("/hook")
    assert len(received) == 17
    assert Counter(r.headers["x-tandem-event-id"] for r in received).most_common(1)[0][1] == 1
    assert Counter(r.headers["x-tandem-event"] for r in received) == {
        "conversation.escalated": 12, "conversation.assigned": 4, "conversation.offline_ticket": 1}
    assert all(verify(str(secret), r.headers["x-tandem-signature"], r.body, now=r.at) for r in received)
    ticket = next(json.loads(r.body) for r in received if r.headers["x-tandem-event"].endswith("offline_ticket"))
    assert ticket["data"] == {"question": "Write to [EMAIL]", "contact_left": True}
    assert all(CONTACT.encode() not in r.body for r in received)


async def test_an_event_a_crashed_gateway_took_is_delivered_by_another(
    redis: Redis, engine: Engine, endpoints: EndpointStore, handoff: HandoffService, receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    endpoints.create(receiver.url("/hook"), ["conversation.escalated"])
    outbox = EventOutbox(redis)
    await outbox.ensure_group()
    session = await handoff.start_session()
    await handoff.escalate(session.session_id, "customer_request")
    raw = await redis.xrange(outbox_module.STREAM)
    assert len(raw) == 1 and CONTACT not in json.dumps(raw)
    taken = await outbox.take("crashed-gateway", 10, 10)  # taken, never acknowledged
    assert [e.session.session_id for e in taken] == [session.session_id]
    monkeypatch.setattr(outbox_module, "CLAIM_IDLE_MS", 200)
    async with deliverers(redis, engine, handoff, count=1):
        await wait_until(lambda: len(receiver.at("/hook")) == 1)
    assert json.loads(receiver.at("/hook")[0].body)["conversation"]["id"] == session.session_id
    assert await redis.xlen(outbox_module.STREAM) == 0  # acknowledged and dropped


async def test_an_event_whose_text_cannot_be_redacted_is_never_sent_and_is_dropped_after_retries(
    redis: Redis, engine: Engine, endpoints: EndpointStore, handoff: HandoffService, receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(text: str) -> str:
        raise RedactionUnavailable("the redactor's model is missing")

    endpoints.create(receiver.url("/hook"), ["conversation.escalated"])
    session = await handoff.start_session()
    await handoff.customer_message(session.session_id, f"mail me at {CONTACT}", "m1")
    await handoff.escalate(session.session_id, "customer_request")
    monkeypatch.setattr(outbox_module, "CLAIM_IDLE_MS", 0)
    monkeypatch.setattr(deliverer_module, "MAX_TAKES", 3)
    deliverer = Deliverer(EventOutbox(redis), endpoints, DeliveryLog(engine), PayloadBuilder(handoff, engine, broken),
                          SETTINGS)
    rounds = 0
    try:
        await deliverer.step()
        assert await redis.xlen(outbox_module.STREAM) == 1  # kept for another try
        while await redis.xlen(outbox_module.STREAM) and rounds < 20:
            await deliverer.step()
            rounds += 1
    finally:
        await deliverer.aclose()
    assert await redis.xlen(outbox_module.STREAM) == 0  # dropped after the third take
    assert DeliveryLog(engine).deliveries() == [] and receiver.received == []


async def test_a_stopped_deliverer_returns_after_its_round_without_a_cancel(
    redis: Redis, engine: Engine, endpoints: EndpointStore, handoff: HandoffService,
) -> None:
    deliverer = Deliverer(EventOutbox(redis), endpoints, DeliveryLog(engine), PayloadBuilder(handoff, engine, str),
                          SETTINGS)
    task = asyncio.create_task(deliverer.run())
    await asyncio.sleep(0.3)  # a few rounds
    deliverer.stop()
    try:
        await asyncio.wait_for(task, STOP_TIMEOUT_S)  # no cancel: a gateway's shutdown must not depend on one
    finally:
        await deliverer.aclose()
    assert task.done() and task.exception() is None
