"""The benchmarks' scoring: fallback thresholds applied after the fact, CLINC150's measures, data."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nlu.evaluation import (
    FALLBACK,
    Prediction,
    nlu_yaml,
    oos_scores,
    per_intent,
    plain,
    read_rasa_nlu,
    stratified_folds,
)

pytestmark = [pytest.mark.unit]
ROOT = Path(__file__).resolve().parents[2]


def test_thresholds_decide_as_rasas_fallback_classifier_does() -> None:
    sure = Prediction("greet", (("greet", 0.9), ("thanks", 0.05)))
    close = Prediction("greet", (("greet", 0.55), ("thanks", 0.45)))
    assert sure.with_thresholds(0.5, 0.1) == "greet"
    assert close.with_thresholds(0.5, 0.0) == "greet"
    assert close.with_thresholds(0.5, 0.2) == FALLBACK  # too close to the runner-up
    assert close.with_thresholds(0.6, 0.0) == FALLBACK  # not confident enough


def test_a_fallback_counts_as_out_of_scope_and_as_wrong_in_scope() -> None:
    scores = oos_scores(["a", FALLBACK, "oos", "a"], ["a", "b", "oos", "oos"], "oos")
    assert scores == {"in_scope_accuracy": 0.5, "oos_recall": 0.5, "oos_precision": 0.5}


def test_the_demo_data_survives_a_round_trip_with_its_lookup_tables(tmp_path: Path) -> None:
    examples, extra = read_rasa_nlu(ROOT / "training_data" / "nlu.yml")
    assert {"product_question", "third_party_question"} <= {intent for _, intent in examples}
    assert any(block.get("lookup") == "brand" for block in extra)
    copy = tmp_path / "nlu.yml"
    copy.write_text(nlu_yaml(examples, extra))
    assert read_rasa_nlu(copy) == (examples, extra)
    assert yaml.safe_load(copy.read_text())["version"] == "3.1"


def test_entity_markup_is_removed_for_the_texts_to_classify() -> None:
    assert plain('reset my [hub](product) and [Hue]{"entity": "brand"}') == "reset my hub and Hue"


def test_folds_and_subsets_keep_every_intent() -> None:
    examples = [(f"{intent} {n}", intent) for intent in "abc" for n in range(7)]
    folds = stratified_folds(examples, 3)
    assert sorted(e for fold in folds for e in fold) == sorted(examples)
    assert all({intent for _, intent in fold} == {"a", "b", "c"} for fold in folds)
    assert per_intent(examples, 2) == per_intent(examples, 2)  # reproducible
    assert len(per_intent(examples, 2)) == 6
