"""Finished conversations as the closer hands them to the learning loop: the record and the live transcript."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session as SqlSession

from handoff import Role, TranscriptEntry
from outcomes.models import ConversationRecord, Outcome, StoredMessage

NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)


def conversation(question: str, answers: tuple[str, ...] = ("Open the app and tap Schedules.",),
                 reason: str = "low_confidence", outcome: Outcome = Outcome.AGENT_RESOLVED,
                 articles: tuple[str, ...] = (), session_id: str | None = None
                 ) -> tuple[ConversationRecord, list[TranscriptEntry]]:
    """A conversation handed over for ``reason`` with ``question`` and answered by an agent with ``answers``."""
    sid = session_id or uuid.uuid4().hex
    record = ConversationRecord(session_id=sid, started_at=NOW, ended_at=NOW, ended_by="agent", outcome=outcome.value,
                                escalation_reason=reason or None, escalation_question=question,
                                agent_article_ids=list(articles), articles=[], customer_messages=1)
    entries = [TranscriptEntry("1-0", sid, Role.CUSTOMER, question, 1.0),
               TranscriptEntry("2-0", sid, Role.SYSTEM, "Alex joined", 2.0),
               TranscriptEntry("2-1", sid, Role.AGENT, "internal: checking the docs", 2.5, internal=True)]
    entries += [TranscriptEntry(f"{n}-0", sid, Role.AGENT, text, 3.0 + n) for n, text in enumerate(answers, 3)]
    return record, entries


def menu_left_unanswered(question: str, then: str = "forget it") -> list[TranscriptEntry]:
    """The bot offered "Did you mean…?" and the customer wrote something else instead of choosing."""
    sid = uuid.uuid4().hex
    buttons = [{"title": "How do I reset the Lumen Hub?", "payload": '/choose_article{"article_id": "hub-reset"}'},
               {"title": "None of these", "payload": "/request_human"}]
    return [TranscriptEntry("1-0", sid, Role.CUSTOMER, question, 1.0),
            TranscriptEntry("2-0", sid, Role.BOT, "Did you mean…?", 2.0, extra={"buttons": buttons}),
            TranscriptEntry("3-0", sid, Role.CUSTOMER, then, 3.0)]


def store(engine: Engine, record: ConversationRecord, csat: int | None = None, comment: str | None = None) -> None:
    """Write the record (with a rating) as the recorder would."""
    with SqlSession(engine, expire_on_commit=False) as db, db.begin():
        record.csat, record.csat_comment = csat, comment
        db.add(record)
        db.flush()
        db.add(StoredMessage(session_id=record.session_id, message_id="1-0", role="customer",
                             text=str(record.escalation_question), ts=NOW))
