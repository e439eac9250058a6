"""SQL tables of the learning loop: proposals for the content team, knowledge gaps, and their audit trail.

The schema is owned by the Alembic migrations in ``migrations/`` (revision 0006); a change here
needs a new revision there (``tests/outcomes/test_schema.py`` compares the two). Every text kept
here went through the privacy redactor first (learning/service.py); ``sources`` says which conversation
brought which text, and when, so erasure and retention can take it out again (learning/kept.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class ProposalKind(StrEnum):
    """What a proposal asks of the content team."""

    PHRASING = "phrasing"  # add the customers' questions to an existing article
    NEW_ARTICLE = "new_article"  # write a new article from the agents' answers


class ProposalState(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"  # published (as it was, or edited)
    MERGED = "merged"  # its questions went into another article
    REJECTED = "rejected"


class GapState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"  # an article answers it now (``article_id``)
    DISMISSED = "dismissed"


class GapSignal(StrEnum):
    """Where a gap's questions come from (docs/learning.md)."""

    ESCALATION = "escalation"  # handed over: no good answer, or the answer did not help
    UNANSWERED_MENU = "unanswered_menu"  # "Did you mean…?" offered, nothing chosen
    LOW_RATING = "low_rating"  # rated 1-2 with a comment
    ADMIN_MARK = "admin_mark"  # the admin's "KB gap" in the NLU review queue
    RETIRED_ARTICLE = "retired_article"  # asked about what a retired article answered
    MISROUTED = "misrouted"  # the agent marked a third-party or off-topic handover as ours


class LearningBase(DeclarativeBase):
    """Declarative base with the learning loop's own metadata (tables prefixed ``learning_``)."""

    metadata = MetaData()


class ProposalRow(LearningBase):
    """One proposal: the questions of a need, the agents' answers, and what became of it."""

    __tablename__ = "learning_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), index=True)
    article_id: Mapped[str | None] = mapped_column(String(100), nullable=True)  # target, or the article made
    questions: Mapped[list[str]] = mapped_column(JSON)  # distinct, redacted, first seen first
    answers: Mapped[list[str]] = mapped_column(JSON)  # the agents' replies, redacted
    customers: Mapped[int] = mapped_column(Integer)  # how many conversations asked
    sessions: Mapped[list[str]] = mapped_column(JSON)  # which (counted once each; erasable)
    sources: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # learning/kept.py (revision 0007)
    centre: Mapped[list[float] | None] = mapped_column(JSON, nullable=True)  # sum of question vectors
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # the reject reason, or what was done


class GapRow(LearningBase):
    """One knowledge gap: similar questions the bot did not answer, from every signal, with a state."""

    __tablename__ = "learning_gaps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    label: Mapped[str] = mapped_column(Text)  # the first question (the group's name)
    examples: Mapped[list[str]] = mapped_column(JSON)  # distinct, redacted, at most a few
    signals: Mapped[dict[str, int]] = mapped_column(JSON)  # GapSignal -> how many times
    customers: Mapped[int] = mapped_column(Integer)
    sessions: Mapped[list[str]] = mapped_column(JSON)
    sources: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # learning/kept.py (revision 0007)
    centre: Mapped[list[float] | None] = mapped_column(JSON, nullable=True)
    article_id: Mapped[str | None] = mapped_column(String(100), nullable=True)  # answered by, or drafted for it
    retired_article_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    state_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditRow(LearningBase):
    """One step on a proposal or gap: who, when, what, and what changed."""

    __tablename__ = "learning_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(16))  # proposal | gap
    subject_id: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
