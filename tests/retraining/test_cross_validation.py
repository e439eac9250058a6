"""Cross-validation by Rasa (rasa_bridge.commands.cross_validate) on a tiny bot, kept with the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from retraining.evaluator import evaluate
from retraining.nlu_yaml import render
from retraining.registry import ModelRecord, Registry, now
from retraining.sources import TrainingSources

pytestmark = [pytest.mark.integration, pytest.mark.slow]
EXAMPLES = {
    "greet": ["hi", "hello", "hey there", "good morning", "hiya", "hello friend"],
    "goodbye": ["bye", "goodbye", "see you later", "talk soon", "farewell", "bye bye"],
    "product_question": ["how do I reset my hub", "my bulb is blinking", "pair the dimmer switch",
                         "the strip will not turn on", "update the hub firmware", "bulb colour is wrong"],
}
# No TensorFlow training: the test is about the loop's use of Rasa, not about DIET.
CONFIG = """recipe: default.v1
language: en
assistant_id: tiny
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: LogisticRegressionClassifier
policies: []
"""


def tiny_model(registry: Registry, root: Path) -> str:
    (root / "training").mkdir(parents=True)
    (root / "config.yml").write_text(CONFIG)
    (root / "domain.yml").write_text('version: "3.1"\nintents: [greet, goodbye, product_question]\n')
    (root / "training" / "nlu.yml").write_text(render(EXAMPLES))
    sources = TrainingSources(root / "config.yml", root / "domain.yml", (root / "training" / "nlu.yml",))
    model_id, folder = registry.new_model_folder(sources.data_hash())
    sources.snapshot(folder / "data")
    registry.save(ModelRecord(id=model_id, source="trained", created_at=now(), trained_by="ada",
                              data_hash=sources.data_hash(), rasa_model_id="-"))
    return model_id


async def test_cross_validation_reports_are_kept_with_the_model(registry: Registry, tmp_path: Path) -> None:
    model_id = tiny_model(registry, tmp_path / "bot")
    record = await evaluate(registry, model_id, cwd=tmp_path, by="ada", folds=2, live=None)
    assert record.evaluation is not None and record.evaluation.holdout is None  # trained on every example
    cv = record.evaluation.cross_validation
    assert cv is not None and cv.examples == 18 and set(cv.per_intent) == set(EXAMPLES)
    assert "evaluation/cross_validation/intent_report.json" in record.evaluation.files
    assert (registry.folder(model_id) / "evaluation" / "cross_validation" / "intent_confusion_matrix.png").is_file()
    assert registry.get(model_id).evaluation == record.evaluation
