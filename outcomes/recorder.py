"""Decides a finished conversation's outcome and writes its record.

The rules (docs/metrics.md says why):
- an agent closed a session they held → ``agent_resolved``;
- never escalated, and the bot answered at least once from the knowledge base → ``bot_resolved``;
- escalated and closed before any agent took it, or never answered at all → ``abandoned``;
- escalated, taken by an agent, but not closed by one → ``escalated_unresolved``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.orm import Session as SqlSession

from handoff import Role, Session, SessionState, TranscriptEntry
from outcomes.models import ConversationRecord, Outcome, OutcomesBase, StoredMessage

EndedBy = Literal["customer", "agent", "idle"]
Redactor = Callable[[str], str]


def classify(session: Session, previous: SessionState, ended_by: EndedBy) -> Outcome:
    """The outcome of a conversation that was in state ``previous`` when it was closed."""
    if ended_by == "agent" and previous == SessionState.ASSIGNED:
        return Outcome.AGENT_RESOLVED
    if session.escalated:
        reached_agent = session.claimed_at is not None
        return Outcome.ESCALATED_UNRESOLVED if reached_agent else Outcome.ABANDONED
    return Outcome.BOT_RESOLVED if session.kb_answers > 0 else Outcome.ABANDONED


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def _since(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else round(end - start, 3)


class OutcomeRecorder:
    """Writes one :class:`ConversationRecord` (and its redacted transcript) per closed session."""

    def __init__(self, engine: Engine, redact: Redactor = lambda text: text) -> None:
        self._engine = engine
        self._redact = redact

    def create_schema(self) -> None:
        """Create the outcome tables if they are missing."""
        OutcomesBase.metadata.create_all(self._engine)

    def record(
        self,
        session: Session,
        previous: SessionState,
        ended_by: EndedBy,
        transcript: Sequence[TranscriptEntry],
        ended_at: float,
    ) -> ConversationRecord:
        """Store the outcome row; idempotent per session id (a second call changes nothing)."""
        outcome = classify(session, previous, ended_by)
        record = ConversationRecord(
            session_id=session.session_id,
            started_at=_utc(session.created_at),
            ended_at=_utc(ended_at),
            ended_by=ended_by,
            outcome=outcome.value,
            escalation_reason=session.reason or None,
            articles=list(session.articles),
            customer_messages=session.customer_messages,
            first_response_s=_first_response_s(transcript),
            queue_wait_s=_since(session.queued_at, session.claimed_at or (ended_at if session.queued_at else None)),
            first_agent_reply_s=_since(session.queued_at, session.first_agent_reply_at),
            handling_s=_since(session.claimed_at, ended_at),
            agent_id=session.agent_id or None,
        )
        with SqlSession(self._engine, expire_on_commit=False) as db, db.begin():
            existing = db.get(ConversationRecord, session.session_id)
            if existing is not None:
                return existing
            db.add(record)
            db.flush()
            db.add_all(self._stored_messages(session.session_id, transcript))
        return record

    def _stored_messages(self, session_id: str, transcript: Sequence[TranscriptEntry]) -> list[StoredMessage]:
        return [
            StoredMessage(session_id=session_id, message_id=e.id, role=e.role.value,
                          text=self._redact(e.text), ts=_utc(e.ts))
            for e in transcript
        ]


def _first_response_s(transcript: Sequence[TranscriptEntry]) -> float | None:
    """Seconds from the customer's first message to the first bot or agent reply after it."""
    first_customer: float | None = None
    for entry in transcript:
        if entry.role == Role.CUSTOMER and first_customer is None:
            first_customer = entry.ts
        elif first_customer is not None and entry.role in (Role.BOT, Role.AGENT) and not entry.internal:
            return round(entry.ts - first_customer, 3)
    return None
