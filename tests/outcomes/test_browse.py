"""The conversations behind a figure: filtered lists and one conversation's stored transcript."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from outcomes import EscalationReason, OutcomeRecorder, Period, UnknownConversation
from outcomes.browse import ConversationFilter, conversation_detail, find_conversations, summary_row
from tests.outcomes.factories import Script, record

pytestmark = pytest.mark.integration
START = datetime(2026, 10, 1, tzinfo=UTC)
PERIOD = Period(START, START + timedelta(days=7), "Europe/Berlin")


@pytest.fixture
def week(recorder: OutcomeRecorder) -> dict[str, str]:
    """Three bot answers (one rated 2 with a comment), two third-party handovers, one outside the period."""
    ids = {}
    for n in range(3):
        ids[f"bot{n}"] = record(recorder, Script(start=START + timedelta(hours=n), csat=2 if n == 0 else None,
                                                 comment="slow, mail me at secret" if n == 0 else None))
    for n in range(2):
        ids[f"third{n}"] = record(recorder, Script(start=START + timedelta(days=1, hours=n), article=None,
                                                   reason=EscalationReason.THIRD_PARTY, queued_after=2,
                                                   claimed_after=5, agent_reply_after=9, ended_by="agent"))
    record(recorder, Script(start=START + timedelta(days=9)))
    return ids


def test_lists_filter_by_outcome_reason_rating_and_comment(engine: Engine, week: dict[str, str]) -> None:
    total, rows = find_conversations(engine, PERIOD, ConversationFilter())
    assert total == 5 and [r.session_id for r in rows][:2] == [week["third1"], week["third0"]]  # newest first
    assert find_conversations(engine, PERIOD, ConversationFilter(reason="third_party"))[0] == 2
    assert find_conversations(engine, PERIOD, ConversationFilter(outcome="bot_resolved"))[0] == 3
    [rated] = find_conversations(engine, PERIOD, ConversationFilter(rating=2))[1]
    assert find_conversations(engine, PERIOD, ConversationFilter(commented=True))[1][0].session_id == rated.session_id
    total, rows = find_conversations(engine, PERIOD, ConversationFilter(), limit=1)
    assert (total, len(rows)) == (5, 1)


def test_rows_and_transcripts_read_in_words_on_the_service_clock(engine: Engine, week: dict[str, str]) -> None:
    _, [third] = find_conversations(engine, PERIOD, ConversationFilter(reason="third_party"), limit=1)
    row = summary_row(third, PERIOD)
    assert (row["outcome_label"], row["reason_label"]) == ("Resolved by an agent", "Third-party product")
    assert row["started_at"] == "2026-10-02T03:00+02:00"  # 01:00 UTC in Berlin
    detail = conversation_detail(engine, week["bot0"], PERIOD)
    assert detail["csat_comment"] == "slow, mail me at [REDACTED]"
    assert [m["role"] for m in detail["messages"]] == ["customer", "bot"]
    with pytest.raises(UnknownConversation):
        conversation_detail(engine, "no-such-conversation", PERIOD)
