"""SQL tables of webhooks: the endpoints admins register, each delivery of an event to one of them,
and each attempt at it (the delivery log).

Times are epoch seconds (floats): the deliverer compares them on every poll, on SQLite and
PostgreSQL alike. The schema is owned by the Alembic migrations in ``migrations/`` (revision 0005).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, Boolean, Float, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class DeliveryStatus(StrEnum):
    """Where a delivery is: still being tried, accepted by the receiver, or given up (dead letter)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class WebhooksBase(DeclarativeBase):
    """Declarative base with the package's own metadata (table names prefixed ``webhook_``)."""

    metadata = MetaData()


class Endpoint(WebhooksBase):
    """A URL an admin registered, the events it wants, and the secret its deliveries are signed with."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class Delivery(WebhooksBase):
    """One event for one endpoint: the exact body sent (redacted), and how its attempts went."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "endpoint_id", name="uq_webhook_deliveries_event_endpoint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(32))
    event_type: Mapped[str] = mapped_column(String(40))
    endpoint_id: Mapped[str] = mapped_column(String(32), index=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True, default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[float] = mapped_column(Float, index=True)
    lease_until: Mapped[float | None] = mapped_column(Float, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[float] = mapped_column(Float, index=True)
    delivered_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class Attempt(WebhooksBase):
    """One try at a delivery: the receiver's status code, or why no answer came."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(Integer, index=True)
    attempted_at: Mapped[float] = mapped_column(Float)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
