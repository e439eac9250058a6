"""The simulated month's two comparisons: report against what was seen, seen against the script."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from benchmarks.simulated_month import SCENARIOS, Plan, Seen, compare, largest_difference, scripted, seen

pytestmark = pytest.mark.unit

BY_NAME = {s.name: s for s in SCENARIOS}
START = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(("saw", "outcome"), [
    (Seen(answered=True), "bot_resolved"),
    (Seen(), "abandoned"),
    (Seen(answered=True, reason="third_party"), "abandoned"),
    (Seen(reason="customer_request", taken=True), "escalated_unresolved"),
    (Seen(reason="customer_request", taken=True, resolved_by_agent=True), "agent_resolved"),
])
def test_the_outcome_follows_from_what_was_seen(saw: Seen, outcome: str) -> None:
    assert saw.outcome == outcome


def plan(name: str, saw: Seen, score: int | None = None) -> Plan:
    return Plan(BY_NAME[name], START, "question", score=score, seen=saw)


def report_of(tally: dict[str, object]) -> dict[str, object]:
    """A service report whose figures are ``tally``'s (the shape the API returns)."""
    return {"metrics": {
        "conversations": tally["conversations"], "by_outcome": tally["by_outcome"],
        "resolution_rate": tally["resolution_rate"], "containment": tally["containment"],
        "csat": {"csat": tally["csat"], "responses": tally["ratings"]},
        "escalations_by_reason": tally["escalations_by_reason"],
        "first_response": {"share_within_target": 1.0, "times": {"p95": 1.0}},
        "agent_response": {"median": 1.0}, "queue_wait": {"p95": 1.0}},
        "checks": [], "unanswered": []}


def test_a_product_question_escalated_as_third_party_is_a_bot_deviation_not_a_report_error() -> None:
    plans = [plan("answered_end", Seen(answered=True, score=5), 5),
             plan("answered_end", Seen(reason="third_party")),  # the bot got it wrong; the customer left
             plan("human", Seen(reason="customer_request", taken=True, resolved_by_agent=True))]
    line = compare(report_of(seen(plans)), plans)
    assert line["report_error"] == 0
    assert line["bot_deviation"] == 1  # one bot_resolved, one abandoned, one third_party off by one
    assert line["bot_deviation_rate"] == pytest.approx(1 / 3, abs=1e-4)  # containment 2/3 scripted, 1/3 seen
    assert scripted(plans)["escalations_by_reason"] == {"customer_request": 1}


def test_a_report_that_miscounts_is_a_report_error() -> None:
    plans = [plan("answered_end", Seen(answered=True)), plan("greeting_only", Seen())]
    wrong = seen(plans) | {"by_outcome": {"bot_resolved": 2, "agent_resolved": 0, "escalated_unresolved": 0,
                                          "abandoned": 0}}
    assert largest_difference(wrong, seen(plans)) == 1
    assert compare(report_of(wrong), plans)["report_error"] == 1
