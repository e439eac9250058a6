"""Outcome rules, and a record written once and summarised, on SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine

from handoff import Role, Session, SessionState, TranscriptEntry
from outcomes import Outcome, OutcomeRecorder, classify, summarize

NOW = time.time()


def session(**fields: object) -> Session:
    base: dict[str, object] = {"session_id": "s1", "state": SessionState.CLOSED, "created_at": NOW - 60}
    return Session(**(base | fields))  # type: ignore[arg-type]


@pytest.mark.unit
@pytest.mark.parametrize(
    ("fields", "previous", "ended_by", "expected"),
    [
        ({"kb_answers": 1}, SessionState.BOT, "customer", Outcome.BOT_RESOLVED),
        ({"kb_answers": 2}, SessionState.BOT, "idle", Outcome.BOT_RESOLVED),  # left without confirming
        ({}, SessionState.BOT, "customer", Outcome.ABANDONED),  # greeting only, or no answer
        ({"escalated": True, "queued_at": NOW}, SessionState.QUEUED, "customer", Outcome.ABANDONED),
        ({"escalated": True, "queued_at": NOW, "claimed_at": NOW}, SessionState.ASSIGNED, "agent",
         Outcome.AGENT_RESOLVED),
        ({"escalated": True, "queued_at": NOW, "claimed_at": NOW}, SessionState.ASSIGNED, "customer",
         Outcome.ESCALATED_UNRESOLVED),
        ({"escalated": True, "kb_answers": 1, "queued_at": NOW, "claimed_at": NOW}, SessionState.BOT, "idle",
         Outcome.ESCALATED_UNRESOLVED),
    ],
)
def test_outcome_rules(fields: dict[str, object], previous: SessionState, ended_by: str, expected: Outcome) -> None:
    assert classify(session(**fields), previous, ended_by) == expected  # type: ignore[arg-type]


@pytest.mark.integration
def test_records_are_written_once_and_summarised(engine: Engine, recorder: OutcomeRecorder) -> None:
    transcript = [
        TranscriptEntry("1-0", "s1", Role.CUSTOMER, "my secret question", NOW - 50),
        TranscriptEntry("2-0", "s1", Role.BOT, "an answer", NOW - 48.5),
    ]
    done = session(kb_answers=1, articles=("hub-reset",))
    record = recorder.record(done, SessionState.BOT, "customer", transcript, NOW)
    assert record.outcome == "bot_resolved" and record.first_response_s == 1.5
    recorder.record(done, SessionState.BOT, "customer", transcript, NOW)  # idempotent
    recorder.record(session(session_id="s2"), SessionState.BOT, "idle", [], NOW)
    summary = summarize(engine)
    assert summary.conversations == 2
    assert summary.by_outcome["bot_resolved"] == 1 and summary.by_outcome["abandoned"] == 1
    assert summary.resolution_rate == 0.5 and summary.containment == 0.5
    assert summary.first_response.share_within_target == 1.0
