"""SQL tables of conversation outcomes: one row per conversation, plus its stored (redacted) transcript.

The schema is owned by the Alembic migrations in ``migrations/``; a change here needs a new
revision there (``tests/outcomes/test_schema.py`` fails until the two agree).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Outcome(StrEnum):
    """How a conversation ended; defined precisely in docs/metrics.md."""

    BOT_RESOLVED = "bot_resolved"
    AGENT_RESOLVED = "agent_resolved"
    ESCALATED_UNRESOLVED = "escalated_unresolved"
    ABANDONED = "abandoned"


class EscalationReason(StrEnum):
    """Why a conversation was handed to a person (docs/metrics.md)."""

    OUT_OF_SCOPE = "out_of_scope"
    THIRD_PARTY = "third_party"
    CUSTOMER_REQUEST = "customer_request"
    LOW_CONFIDENCE = "low_confidence"
    REPEATED_FALLBACK = "repeated_fallback"
    NOT_HELPFUL = "not_helpful"
    BOT_UNAVAILABLE = "bot_unavailable"


class OutcomesBase(DeclarativeBase):
    """Declarative base with the package's own metadata (table names prefixed ``outcome_``)."""

    metadata = MetaData()


class ConversationRecord(OutcomesBase):
    """One finished conversation, written once when it closes (the rating arrives later)."""

    __tablename__ = "outcome_conversations"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), default="web")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ended_by: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(32), index=True)
    escalation_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    articles: Mapped[list[str]] = mapped_column(JSON, default=list)
    customer_messages: Mapped[int] = mapped_column(Integer, default=0)
    first_response_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    queue_wait_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    first_agent_reply_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    handling_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    agent_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    csat: Mapped[int | None] = mapped_column(Integer, nullable=True)
    csat_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Added by revision 0002.
    agent_name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    bot_response_times: Mapped[list[float]] = mapped_column(JSON, default=list)
    agent_response_times: Mapped[list[float]] = mapped_column(JSON, default=list)
    escalation_question: Mapped[str | None] = mapped_column(Text, nullable=True)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    transcript_purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Added by revision 0003. The ticket's contact itself is never stored here.
    product: Mapped[str | None] = mapped_column(String(64), nullable=True)
    queue: Mapped[str | None] = mapped_column(String(64), nullable=True)
    offline_ticket: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Added by revision 0004 (null in rows recorded before it: read as no labels, no articles).
    labels: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    agent_article_ids: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)


class StoredMessage(OutcomesBase):
    """A transcript line kept with the outcome (customer and agent text is stored redacted)."""

    __tablename__ = "outcome_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("outcome_conversations.session_id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    ts: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Added by revision 0002.
    internal: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
