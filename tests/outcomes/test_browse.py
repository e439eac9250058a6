"""The conversations behind a figure: filtered lists and one conversation's stored transcript."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from outcomes import EscalationReason, OutcomeRecorder, Period, UnknownConversation
from outcomes.browse import ConversationFilter, agents_seen, conversation_detail, find_conversations, summary_row
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


def test_lists_filter_by_label_agent_and_words_a_page_at_a_time(engine: Engine, recorder: OutcomeRecorder) -> None:
    record(recorder, Script(start=START, labels=("vip", "late_delivery"), question="My hub blinks red, secret"))
    record(recorder, Script(start=START + timedelta(hours=1), labels=("vipx",), question="Where is 100% of my order?"))
    handled = record(recorder, Script(start=START + timedelta(hours=2), article=None, question="Refund for the strip",
                                      reason=EscalationReason.CUSTOMER_REQUEST, queued_after=2, claimed_after=5,
                                      agent_reply_after=9, ended_by="agent"))
    count = lambda chosen: find_conversations(engine, PERIOD, chosen)[0]  # noqa: E731
    assert count(ConversationFilter(label="vip")) == 1  # not "vipx"
    assert count(ConversationFilter(label="late_delivery")) == 1 and count(ConversationFilter(label="late")) == 0
    labelled = Period(START, PERIOD.until, PERIOD.timezone, "vipx")  # the dashboard's label, on the period
    assert find_conversations(engine, labelled, ConversationFilter())[0] == 1
    [row] = find_conversations(engine, PERIOD, ConversationFilter(agent="agent1"))[1]
    assert row.session_id == handled
    assert count(ConversationFilter(text="BLINKS red")) == 1  # any case, in the stored transcript
    assert count(ConversationFilter(text="secret")) == 0  # redacted before it was stored
    assert count(ConversationFilter(text="100%")) == 1 and count(ConversationFilter(text="%")) == 1  # literally
    assert count(ConversationFilter(text="Hello, Alex")) == 1  # the agent's words too
    assert count(ConversationFilter(text="refund", agent="agent1", outcome="agent_resolved")) == 1
    pages = [find_conversations(engine, PERIOD, ConversationFilter(), limit=2, offset=offset) for offset in (0, 2)]
    assert [total for total, _ in pages] == [3, 3]
    assert [len(rows) for _, rows in pages] == [2, 1]
    assert {r.session_id for _, rows in pages for r in rows} >= {handled}
    assert agents_seen(engine, PERIOD) == [{"agent_id": "agent1", "agent_name": "Alex Agent"}]
