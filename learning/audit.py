"""The learning loop's audit trail: one row per step on a proposal or gap (who, when, what changed).

Steps are written in the same transaction as the change they describe, so the trail never shows
a step that did not happen. Changes to articles are in the knowledge base's own revisions too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session as SqlSession

from learning.models import AuditRow

SYSTEM = "system"  # steps nobody took by hand: a proposal made from a conversation, a gap reopened


@dataclass(frozen=True)
class Step:
    """One audited step, as the API shows it."""

    at: str
    actor: str
    subject: str
    subject_id: int
    action: str
    details: dict[str, Any]


def record(db: SqlSession, at: datetime, actor: str, subject: str, subject_id: int, action: str,
           **details: Any) -> None:
    """Add one step to the trail (inside the caller's transaction)."""
    db.add(AuditRow(at=at, actor=actor, subject=subject, subject_id=subject_id, action=action, details=details))


def trail(engine: Engine, limit: int = 100, subject: str | None = None, subject_id: int | None = None) -> list[Step]:
    """The newest steps first, optionally only those of one proposal or gap."""
    query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
    if subject is not None:
        query = query.where(AuditRow.subject == subject)
    if subject_id is not None:
        query = query.where(AuditRow.subject_id == subject_id)
    with SqlSession(engine) as db:
        return [Step(as_utc(r.at).isoformat(), r.actor, r.subject, r.subject_id, r.action, dict(r.details))
                for r in db.scalars(query)]


def as_utc(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; every time here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
