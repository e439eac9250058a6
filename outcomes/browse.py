"""Finding the conversations behind a figure: a period's records filtered by outcome, reason and rating,
and one conversation with its stored (redacted) transcript. Supervisors open them from the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, func, select
from sqlalchemy.orm import Session as SqlSession

from outcomes.errors import UnknownConversation
from outcomes.labels import outcome_label, reason_label
from outcomes.metrics import Period, as_utc
from outcomes.models import ConversationRecord
from outcomes.recorder import stored_transcript

MAX_LISTED = 500


@dataclass(frozen=True)
class ConversationFilter:
    """Which of the period's conversations to list; each field left empty matches every conversation."""

    outcome: str | None = None
    reason: str | None = None
    rating: int | None = None
    commented: bool = False

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.outcome:
            conditions.append(ConversationRecord.outcome == self.outcome)
        if self.reason:
            conditions.append(ConversationRecord.escalation_reason == self.reason)
        if self.rating is not None:
            conditions.append(ConversationRecord.csat == self.rating)
        if self.commented:
            conditions.append(func.coalesce(ConversationRecord.csat_comment, "") != "")
        return conditions


def find_conversations(engine: Engine, period: Period, chosen: ConversationFilter,
                       limit: int = MAX_LISTED) -> tuple[int, list[ConversationRecord]]:
    """How many of the period's conversations match, and the newest ``limit`` of them."""
    where = [*period.filters(), *chosen.conditions()]
    with SqlSession(engine, expire_on_commit=False) as db:
        total = db.scalar(select(func.count()).select_from(ConversationRecord).where(*where)) or 0
        query = select(ConversationRecord).where(*where).order_by(ConversationRecord.started_at.desc()).limit(limit)
        return total, list(db.scalars(query))


def summary_row(record: ConversationRecord, period: Period) -> dict[str, Any]:
    """One conversation as a list row: codes with their words, times on the service's clock."""
    return {
        "session_id": record.session_id,
        "started_at": period.local(record.started_at).isoformat(timespec="minutes"),
        "outcome": record.outcome, "outcome_label": outcome_label(record.outcome),
        "escalation_reason": record.escalation_reason,
        "reason_label": reason_label(record.escalation_reason) if record.escalation_reason else None,
        "csat": record.csat, "csat_comment": record.csat_comment, "agent_name": record.agent_name,
        "customer_messages": record.customer_messages, "escalation_question": record.escalation_question,
    }


def conversation_detail(engine: Engine, session_id: str, period: Period) -> dict[str, Any]:
    """One finished conversation and its stored transcript (redacted when it was stored; internal agent
    notes marked). Raises :class:`UnknownConversation` for an unknown id."""
    messages = stored_transcript(engine, session_id)
    with SqlSession(engine) as db:
        record = db.get(ConversationRecord, session_id)
        if record is None:
            raise UnknownConversation(session_id)
        row = summary_row(record, period)
    return row | {"purged": record.transcript_purged_at is not None or record.erased_at is not None,
                  "messages": [{"role": m.role, "text": m.text, "internal": m.internal,
                                "ts": period.local(as_utc(m.ts)).isoformat(timespec="seconds")} for m in messages]}
