"""Retention and erasure remove every stored text and keep the anonymous figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session as SqlSession

from outcomes import (
    ConversationRecord,
    EscalationReason,
    OutcomeRecorder,
    Period,
    UnknownConversation,
    erase_conversation,
    purge_older_than,
    stored_transcript,
    summarize,
)
from tests.outcomes.factories import Script, record

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 25, tzinfo=UTC)


def texts_of(engine: Engine, session_id: str) -> tuple[int, str | None, str | None]:
    with SqlSession(engine) as db:
        row = db.get(ConversationRecord, session_id)
        assert row is not None
        return len(stored_transcript(engine, session_id)), row.escalation_question, row.csat_comment


def escalated(recorder: OutcomeRecorder, start: datetime) -> str:
    return record(recorder, Script(start=start, article=None, reason=EscalationReason.LOW_CONFIDENCE, queued_after=2,
                                   claimed_after=5, ended_by="agent", ended_after=60, csat=4, comment="nice"))


def test_transcripts_older_than_the_retention_period_are_anonymised(engine: Engine, recorder: OutcomeRecorder) -> None:
    old = escalated(recorder, NOW - timedelta(days=120))
    recent = escalated(recorder, NOW - timedelta(days=10))
    assert purge_older_than(engine, days=90, now=NOW) == 1
    assert texts_of(engine, old) == (0, None, None)
    assert texts_of(engine, recent)[0] > 0 and texts_of(engine, recent)[1:] == (
        "How do I factory reset my Lumen Hub?", "nice")
    assert purge_older_than(engine, days=90, now=NOW) == 0  # already done
    figures = summarize(engine, Period(NOW - timedelta(days=200), NOW))
    assert figures.conversations == 2 and figures.csat.responses == 2  # the figures stay


def test_an_admin_erases_one_conversation(engine: Engine, recorder: OutcomeRecorder) -> None:
    erased = escalated(recorder, NOW - timedelta(days=1))
    kept = escalated(recorder, NOW - timedelta(days=1))
    erase_conversation(engine, erased, NOW)
    erase_conversation(engine, erased, NOW)  # idempotent
    assert texts_of(engine, erased) == (0, None, None)
    assert texts_of(engine, kept)[0] > 0
    recorder.rate(erased, 1, "a comment after erasure is not kept")
    assert texts_of(engine, erased)[2] is None
    with pytest.raises(UnknownConversation):
        erase_conversation(engine, "nobody", NOW)
