"""Errors of the webhooks subsystem; each says what the caller can do::

    WebhookError
    ├── EndpointNotFound   no webhook with that id: list them with GET /api/admin/webhooks
    └── DeliveryNotFound   no delivery with that id: list them with GET /api/admin/webhooks/deliveries
"""


class WebhookError(Exception):
    """Base class of every webhooks error."""

    code = "invalid_request"


class EndpointNotFound(WebhookError):
    """The webhook id names no registered endpoint."""

    code = "webhook_not_found"

    def __init__(self, endpoint_id: str) -> None:
        super().__init__(f"no webhook {endpoint_id}; GET /api/admin/webhooks lists them")


class DeliveryNotFound(WebhookError):
    """The delivery id names no delivery in the log."""

    code = "delivery_not_found"

    def __init__(self, delivery_id: int) -> None:
        super().__init__(f"no webhook delivery {delivery_id}; GET /api/admin/webhooks/deliveries lists them")
