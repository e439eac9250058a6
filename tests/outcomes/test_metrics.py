"""The period figures, checked against a small set of conversations whose answers are known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from outcomes import EscalationReason, InvalidPeriod, OutcomeRecorder, Period, summarize
from outcomes.metrics import labels_used, percentile
from tests.outcomes.factories import Script, record

pytestmark = pytest.mark.integration
DAY = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


@pytest.fixture
def month(recorder: OutcomeRecorder) -> None:
    """Ten conversations: 5 bot-resolved, 2 agent-resolved, 1 escalated-unresolved, 2 abandoned."""
    for hour, reply, score in [(1, 1.0, 5), (2, 2.0, 4), (3, 3.0, None), (9, 4.0, 2), (23.5, 40.0, None)]:
        record(recorder, Script(start=at(hour), bot_reply_after=reply, csat=score))
    for hour, claim, score in [(10, 20.0, 5), (11, 60.0, 3)]:
        record(recorder, Script(start=at(hour), article=None, reason=EscalationReason.CUSTOMER_REQUEST, queued_after=2,
                                claimed_after=claim, agent_reply_after=claim + 5, ended_after=claim + 100,
                                ended_by="agent", csat=score, comment="thanks"))
    record(recorder, Script(start=at(12), article=None, reason=EscalationReason.THIRD_PARTY, queued_after=2,
                            claimed_after=10,
                            ended_after=50, extra_customer=[(12, "are you there?")], agent_reply_after=15))
    record(recorder, Script(start=at(13), article=None, reason=EscalationReason.LOW_CONFIDENCE, queued_after=2,
                            ended_after=302))
    record(recorder, Script(start=at(24 + 14), article=None, bot_reply_after=1.0))  # next day, greeting only


def test_outcomes_rates_and_escalations(engine: Engine, month: None) -> None:
    m = summarize(engine, Period(DAY, DAY + timedelta(days=7)))
    assert m.conversations == 10
    assert m.by_outcome == {"bot_resolved": 5, "agent_resolved": 2, "escalated_unresolved": 1, "abandoned": 2}
    assert (m.resolution_rate, m.containment, m.escalation_rate, m.abandonment_rate) == (0.7, 0.5, 0.4, 0.2)
    assert m.escalations_by_reason == {"customer_request": 2, "third_party": 1, "low_confidence": 1}
    assert m.escalation_rate_by_reason["customer_request"] == 0.2
    assert m.billable.conversations == 10 and m.billable.escalations == 4
    assert m.billable.technical_support_sessions == 3


def test_first_response_share_counts_misses_and_unanswered_waits(engine: Engine, month: None) -> None:
    first = summarize(engine, Period(DAY, DAY + timedelta(days=7))).first_response
    # Every scripted chat gets a first reply; the one at 23:30 waited 40 s for it.
    assert (first.counted, first.within_target, first.share_within_target) == (10, 9, 0.9)
    assert first.times.median == 1.0 and first.times.max == 40.0


def test_ratings_waits_and_handling(engine: Engine, month: None) -> None:
    m = summarize(engine, Period(DAY, DAY + timedelta(days=7)))
    assert (m.csat.responses, m.csat.satisfied, m.csat.csat, m.csat.response_rate) == (5, 3, 0.6, 0.5)
    assert m.csat.distribution == {"1": 0, "2": 1, "3": 1, "4": 1, "5": 2}
    assert m.queue_wait.count == 3 and m.queue_wait.median == 18.0  # claims at 20, 60, 10 after queueing at 2
    assert m.queue_abandoned == 1
    assert m.handling.count == 3 and m.handling.max == 100.0
    assert m.agent_response.count == 1 and m.agent_response.median == 3.0  # "are you there?" at 12, reply at 15
    [agent] = m.agents
    assert (agent.agent_id, agent.conversations, agent.resolved) == ("agent1", 3, 2)


def test_volume_by_day_and_hour_in_the_reporting_time_zone(engine: Engine, month: None) -> None:
    utc = summarize(engine, Period(DAY, DAY + timedelta(days=2)))
    assert [(d.date, d.conversations) for d in utc.volume_by_day] == [("2026-10-05", 9), ("2026-10-06", 1)]
    assert utc.volume_by_hour[23].conversations == 1 and utc.volume_by_hour[23].first_response_within_target == 0.0
    berlin = ZoneInfo("Europe/Berlin")  # UTC+2 in October: 23:30 UTC is 01:30 the next day
    local = summarize(engine, Period(datetime(2026, 10, 5, tzinfo=berlin), datetime(2026, 10, 8, tzinfo=berlin),
                                     "Europe/Berlin"))
    assert [(d.date, d.conversations) for d in local.volume_by_day] == [
        ("2026-10-05", 8), ("2026-10-06", 2), ("2026-10-07", 0)]
    assert local.volume_by_hour[1].conversations == 1


def test_the_period_includes_its_start_and_excludes_its_end(engine: Engine, month: None) -> None:
    assert summarize(engine, Period(at(1), at(2))).conversations == 1
    assert summarize(engine, Period(at(1), at(3))).conversations == 2
    assert summarize(engine, Period(until=at(1))).conversations == 0


def test_an_empty_period_has_no_rates_rather_than_zero(engine: Engine, recorder: OutcomeRecorder) -> None:
    m = summarize(engine, Period(DAY, DAY + timedelta(days=1)))
    assert m.conversations == 0 and m.resolution_rate is None and m.csat.csat is None
    assert m.first_response.share_within_target is None and m.queue_wait.median is None


@pytest.mark.unit
def test_a_period_must_start_before_it_ends() -> None:
    with pytest.raises(InvalidPeriod):
        Period(DAY, DAY)


@pytest.mark.unit
def test_percentiles_interpolate_like_numpy() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 95) == 95.5
    assert percentile([7], 95) == 7 and percentile([], 50) is None


def test_a_customer_who_waited_unanswered_longer_than_the_target_is_a_miss(engine: Engine,
                                                                           recorder: OutcomeRecorder) -> None:
    from handoff import Role, Session, SessionState, TranscriptEntry

    for sid, waited in [("gone-late", 45.0), ("gone-early", 10.0)]:
        t0 = DAY.timestamp()
        session = Session(sid, SessionState.CLOSED, t0, customer_messages=1)
        transcript = [TranscriptEntry("1-0", sid, Role.CUSTOMER, "hello?", t0 + 1)]
        recorder.record(session, SessionState.BOT, "customer", transcript, t0 + waited)
    first = summarize(engine, Period(DAY, DAY + timedelta(days=1))).first_response
    assert (first.counted, first.within_target, first.unanswered_over_target) == (1, 0, 1)


def test_a_label_selects_the_conversations_agents_tagged_with_it(engine: Engine, recorder: OutcomeRecorder) -> None:
    handled = {"article": None, "reason": EscalationReason.CUSTOMER_REQUEST, "queued_after": 2, "claimed_after": 5,
               "agent_reply_after": 9, "ended_by": "agent"}
    record(recorder, Script(start=at(1), labels=("refund", "vip"), **handled))  # type: ignore[arg-type]
    record(recorder, Script(start=at(2), labels=("refund",), **handled))  # type: ignore[arg-type]
    record(recorder, Script(start=at(3)))
    day = Period(at(0), at(24))
    assert summarize(engine, day).conversations == 3
    refunds = summarize(engine, Period(at(0), at(24), conversation_label="refund"))
    assert refunds.conversations == 2 and refunds.by_outcome["agent_resolved"] == 2
    assert refunds.period["conversation_label"] == "refund"
    assert summarize(engine, Period(at(0), at(24), conversation_label="nobody-uses-this")).conversations == 0
    assert labels_used(engine, Period(at(0), at(24), conversation_label="vip")) == {"refund": 2, "vip": 1}


def test_a_period_reaching_back_to_the_first_centuries_has_no_previous_period() -> None:
    """Found by the API fuzz test: since the year 79, until 2924 (a 500 from the dashboard before)."""
    period = Period(datetime(79, 11, 14, tzinfo=UTC), datetime(2924, 6, 9, tzinfo=UTC))

    assert period.previous() is None
    assert Period(datetime(2026, 12, 2, tzinfo=UTC), datetime(2026, 12, 5, tzinfo=UTC)).previous() == Period(
        datetime(2026, 11, 29, tzinfo=ZoneInfo("UTC")), datetime(2026, 12, 2, tzinfo=ZoneInfo("UTC")))
