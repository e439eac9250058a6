"""When the bot answers, asks which article was meant, or hands over."""

from __future__ import annotations

import pytest

from knowledge_base import Action, Candidate, InvalidThresholds, Reason, Thresholds, decide

pytestmark = pytest.mark.unit

THRESHOLDS = Thresholds(answer_threshold=0.6, clarify_threshold=0.4, clarify_max_options=3, answer_margin=0.05,
                        lead_margin=0.2, lead_answer_threshold=0.5, lead_clarify_threshold=0.32)


def candidates(*scores: float) -> list[Candidate]:
    return [Candidate(f"article-{i}", f"Title {i}", "Body", None, score) for i, score in enumerate(scores)]


@pytest.mark.parametrize(
    ("scores", "action", "reason", "offered"),
    [
        ((0.8, 0.5, 0.3), Action.ANSWER, Reason.CONFIDENT, 1),  # good and clearly ahead
        ((0.8,), Action.ANSWER, Reason.CONFIDENT, 1),  # the only candidate
        ((0.7, 0.64), Action.ANSWER, Reason.CONFIDENT, 1),  # ahead by more than the margin
        ((0.7, 0.66), Action.CLARIFY, Reason.AMBIGUOUS, 2),  # good, but not clearly ahead
        ((0.8, 0.78, 0.5, 0.45, 0.41), Action.CLARIFY, Reason.AMBIGUOUS, 3),  # too close: offer at most 3
        ((0.55, 0.45), Action.CLARIFY, Reason.LOW_CONFIDENCE, 2),  # plausible, not good enough: ask
        ((0.52, 0.4), Action.CLARIFY, Reason.LOW_CONFIDENCE, 2),  # the customer can still say "none of these"
        ((0.55, 0.3), Action.ANSWER, Reason.CLEAR_LEAD, 1),  # not high, but far ahead of every other
        ((0.45, 0.2), Action.CLARIFY, Reason.LOW_CONFIDENCE, 2),  # far ahead, but too low to answer
        ((0.36, 0.1), Action.CLARIFY, Reason.CLEAR_LEAD, 2),  # below clarify, far ahead: still offered
        ((0.36, 0.3), Action.ESCALATE, Reason.NO_MATCH, 2),  # below clarify, with a close rival
        ((0.30, 0.0), Action.ESCALATE, Reason.NO_MATCH, 2),  # far ahead, but too low even to offer
        ((0.36,), Action.ESCALATE, Reason.NO_MATCH, 1),  # a lead needs a rival to lead
        ((0.55,), Action.CLARIFY, Reason.LOW_CONFIDENCE, 1),  # a one-article knowledge base
        ((0.39, 0.3), Action.ESCALATE, Reason.NO_MATCH, 2),  # nothing close
        ((), Action.ESCALATE, Reason.NO_MATCH, 0),  # empty knowledge base
    ],
)
def test_decision(scores: tuple[float, ...], action: Action, reason: Reason, offered: int) -> None:
    decision = decide(candidates(*scores), THRESHOLDS)

    assert (decision.action, decision.reason, len(decision.candidates)) == (action, reason, offered)


def test_candidates_are_ranked_whatever_order_they_come_in() -> None:
    decision = decide(list(reversed(candidates(0.9, 0.5, 0.45))), THRESHOLDS)

    assert decision.action == "answer"
    assert decision.candidates[0].score == 0.9


def test_clarify_offers_the_best_options_first() -> None:
    decision = decide(candidates(0.42, 0.7, 0.68, 0.5), THRESHOLDS)

    assert [c.score for c in decision.candidates] == [0.7, 0.68, 0.5]


def test_contradictory_thresholds_are_refused_with_advice() -> None:
    with pytest.raises(InvalidThresholds, match=r"config\.yml"):
        Thresholds(answer_threshold=0.3, clarify_threshold=0.5)
    with pytest.raises(InvalidThresholds, match="at least 2"):
        Thresholds(clarify_max_options=1)
    with pytest.raises(InvalidThresholds, match="lead_margin must not be negative"):
        Thresholds(lead_margin=-0.1)
    with pytest.raises(InvalidThresholds, match="lead_clarify_threshold <= lead_answer_threshold"):
        Thresholds(lead_answer_threshold=0.4, lead_clarify_threshold=0.45)


def test_thresholds_can_come_from_a_settings_object() -> None:
    class Section:
        answer_threshold = 0.7
        clarify_threshold = 0.5
        clarify_max_options = 4

    thresholds = Thresholds.of(Section())

    assert thresholds == Thresholds(0.7, 0.5, 4, Thresholds.answer_margin)


def test_the_lead_knobs_come_from_a_settings_object_when_it_has_them() -> None:
    class Section:
        answer_threshold = 0.7
        clarify_threshold = 0.5
        clarify_max_options = 3
        lead_margin = 0.2
        lead_answer_threshold = 0.55
        lead_clarify_threshold = 0.45

    thresholds = Thresholds.of(Section())

    assert (thresholds.lead_margin, thresholds.lead_answer_threshold, thresholds.lead_clarify_threshold) == (
        0.2, 0.55, 0.45)
