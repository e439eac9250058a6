"""Reading Rasa's reports and comparing candidate with live."""

from __future__ import annotations

import pytest

from retraining.evaluator import compare, metrics_from_report

pytestmark = pytest.mark.unit

REPORT = {
    "greet": {"precision": 1.0, "recall": 0.5, "f1-score": 0.6667, "support": 4, "confused_with": {"goodbye": 2}},
    "goodbye": {"precision": 0.6, "recall": 1.0, "f1-score": 0.75, "support": 3},
    "accuracy": 0.7143,
    "macro avg": {"precision": 0.8, "recall": 0.75, "f1-score": 0.7083, "support": 7},
    "weighted avg": {"precision": 0.83, "recall": 0.71, "f1-score": 0.7024, "support": 7},
}


def test_rasas_intent_report_becomes_per_intent_scores() -> None:
    metrics = metrics_from_report(REPORT)
    assert (metrics.accuracy, metrics.macro_f1, metrics.examples) == (0.7143, 0.7083, 7)
    assert set(metrics.per_intent) == {"greet", "goodbye"}
    assert metrics.per_intent["greet"].recall == 0.5 and metrics.per_intent["greet"].support == 4


def test_the_comparison_is_candidate_minus_live_per_intent() -> None:
    live = metrics_from_report(REPORT)
    better = metrics_from_report({**REPORT, "accuracy": 0.8571, "greet": {**REPORT["greet"], "f1-score": 0.9},
                                  "macro avg": {**REPORT["macro avg"], "f1-score": 0.825}})
    comparison = compare(better, live, "20261125-101010.tar.gz", "abc", live_trained_on=None)
    assert comparison.accuracy_delta == pytest.approx(0.1428)
    assert comparison.macro_f1_delta == pytest.approx(0.1167)
    assert comparison.f1_delta_per_intent == {"goodbye": 0.0, "greet": pytest.approx(0.2333)}

