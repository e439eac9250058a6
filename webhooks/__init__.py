"""Webhooks: conversation events sent, signed, to the URLs admins register (docs/webhooks.md).

Public surface: :class:`EventOutbox` (the handoff's event sink: a durable Redis stream),
:class:`EndpointStore` (the registered URLs), :class:`DeliveryLog` (deliveries, attempts, dead
letters), :class:`Deliverer` (the background loop each gateway runs), :class:`PayloadBuilder`,
the signing helpers in :mod:`webhooks.signing`, :class:`WebhookSettings` and the errors in
:mod:`webhooks.errors`.
"""

from webhooks.deliverer import Deliverer
from webhooks.endpoints import EndpointStore, Saved
from webhooks.errors import DeliveryNotFound, EndpointNotFound, WebhookError
from webhooks.log import DeliveryLog, DueDelivery
from webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint
from webhooks.outbox import EventOutbox, QueuedEvent
from webhooks.payloads import PayloadBuilder
from webhooks.settings import WebhookSettings
from webhooks.signing import SIGNATURE_HEADER, new_secret, signature_header, verify

__all__ = [
    "SIGNATURE_HEADER", "Attempt", "Deliverer", "Delivery", "DeliveryLog", "DeliveryNotFound", "DeliveryStatus",
    "DueDelivery", "Endpoint", "EndpointNotFound", "EndpointStore", "EventOutbox", "PayloadBuilder", "QueuedEvent",
    "Saved", "WebhookError", "WebhookSettings", "new_secret", "signature_header", "verify",
]
