"""The endpoints and the delivery log on SQLite and PostgreSQL: one lease wins, backoff, dead letters."""

from __future__ import annotations

import pytest

from webhooks import DeliveryLog, DeliveryNotFound, DeliveryStatus, EndpointNotFound, EndpointStore, WebhookSettings

pytestmark = pytest.mark.integration
SETTINGS = WebhookSettings(max_attempts=3, backoff_base_s=10)


def add_one(endpoints: EndpointStore, log: DeliveryLog, now: float = 1000.0) -> tuple[str, int]:
    hook = endpoints.create("https://example.org/hook", ["conversation.escalated"]).endpoint
    assert log.add("event-1", "conversation.escalated", "session-1", "{}", [hook.id], now) == 1
    return hook.id, log.deliveries()[0].id


def test_endpoints_are_registered_changed_and_removed(endpoints: EndpointStore) -> None:
    saved = endpoints.create("https://example.org/a", ["conversation.rated", "conversation.rated"], created_by="ada")
    assert saved.secret and saved.endpoint.events == ["conversation.rated"]
    endpoints.create("https://example.org/b", ["conversation.escalated"], secret="given-secret-0123456789abc")
    assert [e.url for e in endpoints.subscribed("conversation.rated")] == ["https://example.org/a"]
    changed = endpoints.update(saved.endpoint.id, {"active": False, "secret": "ignored"})
    assert changed.secret is None and endpoints.subscribed("conversation.rated") == []
    assert endpoints.update(saved.endpoint.id, {}, rotate_secret=True).secret not in (None, saved.secret)
    endpoints.delete(saved.endpoint.id)
    with pytest.raises(EndpointNotFound):
        endpoints.get(saved.endpoint.id)
    with pytest.raises(EndpointNotFound):
        endpoints.update("nope", {"active": True})


def test_an_event_taken_twice_is_logged_once(endpoints: EndpointStore, log: DeliveryLog) -> None:
    hook_id, _ = add_one(endpoints, log)
    assert log.add("event-1", "conversation.escalated", "session-1", "{}", [hook_id], 1001.0) == 0
    assert len(log.deliveries()) == 1


def test_one_gateway_wins_a_due_delivery_until_its_lease_ends(endpoints: EndpointStore, log: DeliveryLog) -> None:
    add_one(endpoints, log)
    assert len(log.lease_due(now=1000.0, lease_s=30, limit=10)) == 1
    assert log.lease_due(now=1001.0, lease_s=30, limit=10) == []  # another gateway: leased
    assert len(log.lease_due(now=1031.0, lease_s=30, limit=10)) == 1  # the first died: the lease ran out


def test_failures_back_off_then_become_a_dead_letter_that_an_admin_can_retry(
    endpoints: EndpointStore, log: DeliveryLog,
) -> None:
    _, delivery_id = add_one(endpoints, log)
    record = {"max_attempts": SETTINGS.max_attempts, "backoff_s": SETTINGS.backoff_s}
    assert log.record(delivery_id, 1000.0, 500, "HTTP 500", 12, **record) == DeliveryStatus.PENDING
    assert log.lease_due(now=1009.0, lease_s=30, limit=10) == []  # backing off 10 s
    assert len(log.lease_due(now=1010.0, lease_s=30, limit=10)) == 1
    assert log.record(delivery_id, 1010.0, None, "ConnectTimeout", 3000, **record) == DeliveryStatus.PENDING
    assert log.lease_due(now=1029.0, lease_s=30, limit=10) == []  # then 20 s
    assert log.record(delivery_id, 1030.0, 503, "HTTP 503", 5, **record) == DeliveryStatus.DEAD
    assert log.lease_due(now=9999.0, lease_s=30, limit=10) == []
    assert [d.id for d in log.deliveries(status="dead")] == [delivery_id]
    delivery, attempts = log.delivery(delivery_id)
    assert delivery.attempts == 3 and [a.status_code for a in attempts] == [500, None, 503]
    assert log.retry(delivery_id, 2000.0).status == "pending"
    assert log.record(delivery_id, 2000.0, 204, None, 5, **record) == DeliveryStatus.DELIVERED
    assert log.delivery(delivery_id)[0].delivered_at == 2000.0
    with pytest.raises(DeliveryNotFound):
        log.retry(424242, 1.0)


def test_retention_and_erasure_drop_deliveries(endpoints: EndpointStore, log: DeliveryLog) -> None:
    hook_id, _ = add_one(endpoints, log, now=1000.0)
    log.add("event-2", "conversation.rated", "session-2", "{}", [hook_id], 5000.0)
    assert log.purge_before(2000.0) == 1
    assert log.forget_session("session-2") == 1
    assert log.deliveries() == []
