"""Finding conversations: a period's records filtered by outcome, reason, rating, label, agent and words
in the stored (redacted) text, a page at a time, and one conversation with its stored transcript.

The one query path for the supervisors' conversations page and the dashboard's links into it. Every
filter is SQL, so paging and the total agree on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Engine, Text, cast, exists, func, or_, select
from sqlalchemy.orm import Session as SqlSession

from outcomes.errors import UnknownConversation
from outcomes.labels import outcome_label, reason_label
from outcomes.metrics import Period, as_utc
from outcomes.models import ConversationRecord, StoredMessage
from outcomes.recorder import stored_transcript

MAX_LISTED = 500
MAX_SEARCH_CHARS = 200


def _contains(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its own ``%``, ``_`` and ``\\`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class ConversationFilter:
    """Which of the period's conversations to list; each field left empty matches every conversation."""

    outcome: str | None = None
    reason: str | None = None
    rating: int | None = None
    commented: bool = False
    label: str | None = None
    agent: str | None = None
    text: str | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.label:
            # A JSON list of normalised labels ([a-z0-9 _-]); its text holds the label in quotes.
            conditions.append(cast(ConversationRecord.labels, Text).like(_contains(f'"{self.label}"'), escape="\\"))
        if self.agent:
            conditions.append(ConversationRecord.agent_id == self.agent)
        if self.text and self.text.strip():
            conditions.append(self._mentions(self.text.strip()))
        if self.outcome:
            conditions.append(ConversationRecord.outcome == self.outcome)
        if self.reason:
            conditions.append(ConversationRecord.escalation_reason == self.reason)
        if self.rating is not None:
            conditions.append(ConversationRecord.csat == self.rating)
        if self.commented:
            conditions.append(func.coalesce(ConversationRecord.csat_comment, "") != "")
        return conditions

    @staticmethod
    def _mentions(words: str) -> ColumnElement[bool]:
        """The words, case-insensitively, in the escalated question, the rating comment or a stored line:
        all of it as stored, so redacted (a name the redactor removed is not found)."""
        pattern = _contains(words)
        in_transcript = exists().where(StoredMessage.session_id == ConversationRecord.session_id,
                                       StoredMessage.text.ilike(pattern, escape="\\"))
        return or_(ConversationRecord.escalation_question.ilike(pattern, escape="\\"),
                   ConversationRecord.csat_comment.ilike(pattern, escape="\\"), in_transcript)


def find_conversations(engine: Engine, period: Period, chosen: ConversationFilter,
                       limit: int = MAX_LISTED, offset: int = 0) -> tuple[int, list[ConversationRecord]]:
    """How many of the period's conversations match, and ``limit`` of them from ``offset``, newest first.

    The period's own label (:attr:`Period.conversation_label`) applies when the filter names none.
    """
    if chosen.label is None and period.conversation_label:
        chosen = replace(chosen, label=period.conversation_label)
    where = [*period.filters(), *chosen.conditions()]
    with SqlSession(engine, expire_on_commit=False) as db:
        total = db.scalar(select(func.count()).select_from(ConversationRecord).where(*where)) or 0
        query = (select(ConversationRecord).where(*where)
                 .order_by(ConversationRecord.started_at.desc(), ConversationRecord.session_id)
                 .offset(offset).limit(limit))
        return total, list(db.scalars(query))


def agents_seen(engine: Engine, period: Period) -> list[dict[str, str]]:
    """The agents who held one of the period's conversations (id and the name last recorded), by name."""
    query = (select(ConversationRecord.agent_id, func.max(ConversationRecord.agent_name))
             .where(*period.filters(), ConversationRecord.agent_id.is_not(None))
             .group_by(ConversationRecord.agent_id))
    with SqlSession(engine) as db:
        rows = [{"agent_id": str(agent_id), "agent_name": str(name or agent_id)}
                for agent_id, name in db.execute(query)]
    return sorted(rows, key=lambda row: (row["agent_name"].lower(), row["agent_id"]))


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
        "labels": list(record.labels or []),
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
