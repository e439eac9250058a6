"""Per-article figures from the outcome records: answered, rated helpful or unhelpful after it, escalated after it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from outcomes import EscalationReason, OutcomeRecorder, Period
from outcomes.article_stats import article_statistics
from tests.outcomes.factories import Script, record

pytestmark = pytest.mark.integration
START = datetime(2026, 10, 1, tzinfo=UTC)
WEEK = Period(START, START + timedelta(days=7), "Europe/Berlin")


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


@pytest.fixture
def week(recorder: OutcomeRecorder) -> None:
    """hub-reset helps; wifi-setup fails (a "no", a poor rating, a request for a person); one outside the week."""
    record(recorder, Script(start=at(1), article="hub-reset", csat=5))
    record(recorder, Script(start=at(2), article="hub-reset", csat=4))
    record(recorder, Script(start=at(3), article="hub-reset"))  # not rated: answered only
    record(recorder, Script(start=at(4), article="wifi-setup", reason=EscalationReason.NOT_HELPFUL, queued_after=5,
                            csat=1))
    # Two answers, then a request for a person: the escalation follows the last answer (wifi-setup) only.
    record(recorder, Script(start=at(5), article="hub-reset", then_articles=("wifi-setup",),
                            reason=EscalationReason.CUSTOMER_REQUEST, queued_after=5, csat=2))
    # The bot went down: a handover that is not the article's doing.
    record(recorder, Script(start=at(6), article="wifi-setup", reason=EscalationReason.BOT_UNAVAILABLE,
                            queued_after=5))
    record(recorder, Script(start=START + timedelta(days=8), article="wifi-setup", csat=1))


def test_each_article_counts_answers_ratings_and_escalations_after_it(engine: Engine, week: None) -> None:
    figures = {f.article_id: f.as_dict() for f in article_statistics(engine, WEEK, known=["never-used"])}
    hub, wifi = figures["hub-reset"], figures["wifi-setup"]
    assert (hub["answered"], hub["rated_helpful"], hub["rated_unhelpful"], hub["escalated"]) == (4, 2, 1, 0)
    assert (wifi["answered"], wifi["rated_helpful"], wifi["rated_unhelpful"], wifi["escalated"]) == (3, 0, 2, 2)
    assert wifi["escalation_reasons"] == {"not_helpful": 1, "customer_request": 1}
    assert (wifi["failed"], wifi["failure_rate"]) == (2, 0.6667)
    assert figures["never-used"]["answered"] == 0 and figures["never-used"]["failure_rate"] is None


def test_the_articles_that_fail_come_first(engine: Engine, week: None) -> None:
    order = [f.article_id for f in article_statistics(engine, WEEK, known=["never-used"])]
    assert order == ["wifi-setup", "hub-reset", "never-used"]


def test_a_label_narrows_the_figures_to_its_conversations(engine: Engine, recorder: OutcomeRecorder) -> None:
    record(recorder, Script(start=at(1), article="hub-reset", labels=("vip",), csat=1))
    record(recorder, Script(start=at(2), article="hub-reset", csat=5))
    [only] = article_statistics(engine, Period(START, START + timedelta(days=1), "UTC", "vip"))
    assert (only.answered, only.rated_unhelpful, only.rated_helpful) == (1, 1, 0)
