"""Webhooks (admins only): register the URLs that receive conversation events, and read the
delivery log and its dead letters (docs/webhooks.md).

A webhook's secret is in the answer only when it is made or changed; listings never show it.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from bot.api.deps import ServicesDep, require_role
from bot.core.security import Principal, StaffRole
from handoff import ConversationEvent, iso_utc
from webhooks import Attempt, Delivery, Endpoint, Saved

router = APIRouter(prefix="/api/admin/webhooks", tags=["webhooks"])
Admin = Annotated[Principal, Depends(require_role(StaffRole.ADMIN))]
DeliveryId = Annotated[int, Path(ge=1, le=2**62)]
WebhookId = Annotated[str, Path(max_length=64)]
Secret = Annotated[str, Field(min_length=24, max_length=200, pattern=r"^\S+$",
                              description="your own signing secret (24+ characters, no spaces); made if left out")]


class WebhookFields(BaseModel):
    """What an admin sets on a webhook; every field is checked (422 with the field's reason)."""

    model_config = ConfigDict(extra="forbid")

    url: HttpUrl | None = Field(default=None, description="http:// or https:// URL that receives the POSTs")
    events: list[ConversationEvent] | None = Field(default=None, min_length=1, description="the event types it wants")
    description: str | None = Field(default=None, max_length=200)
    active: bool | None = None

    @field_validator("url")
    @classmethod
    def _plain_url(cls, url: HttpUrl | None) -> HttpUrl | None:
        if url is None:
            return url
        if url.username or url.password:
            raise ValueError("put no user name or password in the URL: deliveries are signed with the secret")
        if len(str(url)) > 2048:
            raise ValueError("the URL is longer than 2048 characters")
        return url


class WebhookCreate(WebhookFields):
    """A new webhook: a URL, and the events it wants (all of them unless listed)."""

    url: HttpUrl = Field(description="http:// or https:// URL that receives the POSTs")
    events: list[ConversationEvent] = Field(default_factory=lambda: list(ConversationEvent), min_length=1)
    secret: Secret | None = None


class WebhookUpdate(WebhookFields):
    """A change to a webhook: only the fields given change. ``rotate_secret`` makes a new secret."""

    secret: Secret | None = None
    rotate_secret: bool = False


def endpoint_view(endpoint: Endpoint, secret: str | None = None) -> dict[str, Any]:
    """A webhook as the API shows it; the secret only when just made or changed."""
    view = {"id": endpoint.id, "url": endpoint.url, "events": endpoint.events, "description": endpoint.description,
            "active": endpoint.active, "created_by": endpoint.created_by, "created_at": _iso(endpoint.created_at),
            "updated_at": _iso(endpoint.updated_at)}
    return view | ({"secret": secret} if secret else {})


def delivery_view(delivery: Delivery, attempts: list[Attempt] | None = None) -> dict[str, Any]:
    """A delivery as the log shows it; with its attempts and payload when asked for one."""
    view: dict[str, Any] = {
        "id": delivery.id, "event_id": delivery.event_id, "event_type": delivery.event_type,
        "webhook_id": delivery.endpoint_id, "session_id": delivery.session_id, "status": delivery.status,
        "attempts": delivery.attempts, "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error, "created_at": _iso(delivery.created_at),
        "next_attempt_at": _iso(delivery.next_attempt_at) if delivery.status == "pending" else None,
        "delivered_at": _iso(delivery.delivered_at)}
    if attempts is not None:
        view["payload"] = json.loads(delivery.body)
        view["attempt_log"] = [{"at": _iso(a.attempted_at), "status_code": a.status_code, "error": a.error,
                                "duration_ms": a.duration_ms} for a in attempts]
    return view


def _iso(ts: float | None) -> str | None:
    return iso_utc(ts) if ts is not None else None


def _saved(saved: Saved) -> dict[str, Any]:
    return endpoint_view(saved.endpoint, saved.secret)


@router.get("/deliveries")
async def list_deliveries(
    services: ServicesDep, _: Admin,
    status_: Annotated[Literal["pending", "delivered", "dead"] | None, Query(alias="status")] = None,
    webhook_id: Annotated[str | None, Query(max_length=64)] = None,
    session_id: Annotated[str | None, Query(max_length=64)] = None, event_type: ConversationEvent | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100, before_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> dict[str, Any]:
    """The delivery log, newest first; ``status=dead`` is the dead-letter list."""
    rows = await asyncio.to_thread(services.deliveries.deliveries, status=status_, endpoint_id=webhook_id,
                                   session_id=session_id, event_type=event_type.value if event_type else None,
                                   limit=limit, before_id=before_id)
    return {"deliveries": [delivery_view(row) for row in rows]}


@router.get("/deliveries/{delivery_id}")
async def get_delivery(delivery_id: DeliveryId, services: ServicesDep, _: Admin) -> dict[str, Any]:
    """One delivery: the payload sent (redacted) and every attempt."""
    delivery, attempts = await asyncio.to_thread(services.deliveries.delivery, delivery_id)
    return delivery_view(delivery, attempts)


@router.post("/deliveries/{delivery_id}/retry")
async def retry_delivery(delivery_id: DeliveryId, services: ServicesDep, _: Admin) -> dict[str, Any]:
    """Send a dead letter (or a pending delivery) again now, with a fresh budget of attempts."""
    delivery = await asyncio.to_thread(services.deliveries.retry, delivery_id, time.time())
    return delivery_view(delivery)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_webhook(body: WebhookCreate, services: ServicesDep, principal: Admin) -> dict[str, Any]:
    """Register a URL for conversation events; the answer carries the signing secret, shown this once."""
    saved = await asyncio.to_thread(
        services.webhooks.create, str(body.url), [e.value for e in body.events], description=body.description or "",
        secret=body.secret, active=body.active if body.active is not None else True, created_by=principal.username)
    return _saved(saved)


@router.get("")
async def list_webhooks(services: ServicesDep, _: Admin) -> dict[str, Any]:
    """Every registered webhook (without secrets) and the event types there are."""
    endpoints = await asyncio.to_thread(services.webhooks.all)
    return {"webhooks": [endpoint_view(e) for e in endpoints], "event_types": [e.value for e in ConversationEvent]}


@router.get("/{webhook_id}")
async def get_webhook(webhook_id: WebhookId, services: ServicesDep, _: Admin) -> dict[str, Any]:
    """One webhook (without its secret)."""
    return endpoint_view(await asyncio.to_thread(services.webhooks.get, webhook_id))


@router.patch("/{webhook_id}")
async def update_webhook(webhook_id: WebhookId, body: WebhookUpdate, services: ServicesDep, _: Admin) -> dict[str, Any]:
    """Change a webhook's URL, events, description or active flag, or its secret (shown once)."""
    changes = body.model_dump(exclude_unset=True, exclude={"secret", "rotate_secret"})
    if "url" in changes:
        changes["url"] = str(body.url)
    if "events" in changes:
        changes["events"] = [e.value for e in body.events or []]
    changes = {name: value for name, value in changes.items() if value is not None}
    saved = await asyncio.to_thread(services.webhooks.update, webhook_id, changes, secret=body.secret,
                                    rotate_secret=body.rotate_secret)
    return _saved(saved)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(webhook_id: WebhookId, services: ServicesDep, _: Admin) -> Response:
    """Remove a webhook, with its deliveries."""
    await asyncio.to_thread(services.webhooks.delete, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
