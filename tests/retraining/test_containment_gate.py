"""The containment check's figures and the promotion gate they drive (no Rasa: figures given)."""

from __future__ import annotations

import pytest

from knowledge_base import Candidate
from outcomes.models import EscalationReason
from retraining.errors import ContainsLess
from retraining.promoter import _check_containment
from retraining.registry import ContainmentComparison, ContainmentFigures, Evaluation, ModelRecord, now
from routing import Intent, Route, Signals, Step
from routing.evaluation import Case, observed, score

pytestmark = pytest.mark.unit

HUB_RESET = Candidate("hub-reset", "How do I reset the hub?", "Hold the button.", "Lumen Hub", 0.8)
SIGNALS = Signals((Intent("product_question", 0.9),), candidates=(HUB_RESET,))


def figures(contained: float) -> ContainmentFigures:
    return ContainmentFigures(contained_share=contained, answered_right_share=contained, clarify_share=0.0,
                              wrong_share=0.0, false_escalation_share=0.0, boundary_accuracy=1.0,
                              escalation_share=1.0, messages=10)


def record(candidate: float, live: float | None) -> ModelRecord:
    comparison = ContainmentComparison(candidate=figures(candidate), live=None if live is None else figures(live),
                                       contained_delta=None if live is None else round(candidate - live, 4))
    return ModelRecord(id="m", source="trained", created_at=now(), trained_by="ada", data_hash="h", rasa_model_id="r",
                       evaluation=Evaluation(evaluated_at=now(), evaluated_by="ada", containment=comparison))


def test_what_the_customer_would_see_after_each_step() -> None:
    assert observed(Route(Step.ANSWER, "confident_article", SIGNALS, (HUB_RESET,))).article == "hub-reset"
    assert observed(Route(Step.CLARIFY, "close_articles", SIGNALS, (HUB_RESET,))).options == ["hub-reset"]
    handed = observed(Route(Step.HAND_OVER, "other_brand", SIGNALS, reason=EscalationReason.THIRD_PARTY))
    assert (handed.outcome, handed.reason) == ("escalate", "third_party")
    assert observed(Route(Step.REPHRASE, "rephrase_first", SIGNALS)).outcome == "rephrase"
    assert observed(Route(Step.SMALL_TALK, "greeting_only", SIGNALS)).outcome == "other"


def test_figures_are_the_benchmarks_shares() -> None:
    case = Case("a", "reset hub", "answerable", answer=("hub-reset",))
    seen = observed(Route(Step.ANSWER, "confident_article", SIGNALS, (HUB_RESET,)))
    shown = ContainmentFigures.of(score([(case, seen)]))
    assert (shown.contained_share, shown.answered_right_share, shown.messages) == (1.0, 1.0, 1)


def test_a_candidate_that_contains_less_than_the_live_model_needs_force() -> None:
    with pytest.raises(ContainsLess, match=r"80\.0% .* 90\.0%"):
        _check_containment(record(0.80, 0.90), tolerance=0.01)


@pytest.mark.parametrize(("candidate", "live"), [(0.895, 0.90), (0.95, 0.90), (0.80, None)])
def test_a_candidate_within_the_tolerance_or_without_a_live_figure_passes(candidate: float, live: float | None) -> None:
    _check_containment(record(candidate, live), tolerance=0.01)
