"""``evaluate``: how well a candidate classifies intents, and whether it beats the live model.

Two measurements, both with Rasa's own NLU test (:mod:`rasa_bridge.commands`):

- **held-out split**: the candidate against the examples it was not trained on (``split/test_data.yml``,
  see :mod:`retraining.trainer`). Rasa writes the intent report (precision, recall, F1 per intent),
  the confusion matrix (PNG) and the misclassified examples (``intent_errors.json``).
- **cross-validation**: the candidate's config and data in ``folds`` folds (each fold trains a
  model, so it costs ``folds`` NLU trainings).

- **containment**: with a :class:`~retraining.containment.ContainmentCheck`, what the bot decides
  for a set of customers' messages if the candidate read them, beside the live model's figures.

The live model is tested on the same held-out examples through the live Rasa server's HTTP API
(:meth:`rasa_bridge.RasaServer.test_intents`: it answers with the model it serves; nothing is
loaded or swapped).
If the live model came from the registry, the comparison says how many of those examples it was
trained on; a model trained on all the data (``make train``) has seen them, which flatters it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rasa_bridge import Logged, OnProgress, RasaServer
from rasa_bridge import commands as rasa
from rasa_bridge.commands import TEST_SPLIT, TRAIN_SPLIT
from retraining.containment import ContainmentCheck, ServedModel, served_model
from retraining.errors import InvalidTrainingData, UnknownModel
from retraining.nlu_yaml import normalise, read_examples
from retraining.registry import (
    ARCHIVE,
    Comparison,
    ContainmentComparison,
    Evaluation,
    IntentScore,
    Metrics,
    ModelRecord,
    Registry,
    now,
)
from retraining.sources import TRAINING_DIR, TrainingSources
from retraining.trainer import SPLIT_DIR

HOLDOUT_DIR = "evaluation/holdout"
CV_DIR = "evaluation/cross_validation"
LIVE_REPORT = "evaluation/live_intent_report.json"
COMPARISON = "evaluation/comparison.json"
REPORT_FILES = ("intent_report.json", "intent_confusion_matrix.png", "intent_errors.json", "intent_histogram.png")
SUMMARY_ROWS = ("accuracy", "macro avg", "weighted avg", "micro avg")


def metrics_from_report(report: dict[str, Any]) -> Metrics:
    """Rasa's intent report (sklearn's classification report as a dict) as Metrics."""
    per_intent = {
        name: IntentScore(precision=row["precision"], recall=row["recall"], f1=row["f1-score"],
                          support=int(row["support"]))
        for name, row in report.items() if name not in SUMMARY_ROWS and isinstance(row, dict)
    }
    accuracy = report.get("accuracy")
    if accuracy is None:  # sklearn reports micro avg instead when some labels were never predicted
        accuracy = report.get("micro avg", {}).get("f1-score", 0.0)
    return Metrics(accuracy=float(accuracy), macro_f1=float(report["macro avg"]["f1-score"]),
                   weighted_f1=float(report["weighted avg"]["f1-score"]),
                   examples=int(report["macro avg"]["support"]), per_intent=per_intent)


def compare(candidate: Metrics, live: Metrics, live_model: str, live_rasa_model_id: str,
            live_trained_on: int | None) -> Comparison:
    """Candidate minus live, overall and per intent (an intent missing on one side counts as F1 0)."""
    intents = sorted(set(candidate.per_intent) | set(live.per_intent))
    deltas = {name: round(_f1(candidate, name) - _f1(live, name), 4) for name in intents}
    return Comparison(live_model=live_model, live_rasa_model_id=live_rasa_model_id, examples=candidate.examples,
                      candidate=candidate, live=live,
                      accuracy_delta=round(candidate.accuracy - live.accuracy, 4),
                      macro_f1_delta=round(candidate.macro_f1 - live.macro_f1, 4),
                      f1_delta_per_intent=deltas, live_trained_on=live_trained_on)


def _f1(metrics: Metrics, intent: str) -> float:
    score = metrics.per_intent.get(intent)
    return score.f1 if score else 0.0


async def evaluate(registry: Registry, model_id: str, *, cwd: Path, by: str, folds: int,
                   live: RasaServer | None, on_progress: OnProgress | None = None,
                   containment: ContainmentCheck | None = None, base_models_dir: Path | None = None) -> ModelRecord:
    """Evaluate a model on its held-out split (and against ``live``), by ``folds``-fold
    cross-validation (skipped below 2) and on ``containment`` (beside the live model, whose archive is
    the registry's or ``base_models_dir``'s); store the reports with the model and return its record."""
    folder = registry.folder(model_id)
    test_split = folder / SPLIT_DIR / TEST_SPLIT
    if not test_split.is_file() and folds < 2:
        raise InvalidTrainingData(f"model {model_id} was trained on every example (no held-out split); "
                                  "evaluate it by cross-validation with at least 2 folds")
    logged = Logged(registry.log(model_id, "evaluate"), cwd, on_progress)
    evaluation = Evaluation(evaluated_at=now(), evaluated_by=by, folds=folds if folds >= 2 else 0)
    if test_split.is_file():
        await rasa.nlu_test(logged, model=folder / ARCHIVE, nlu=test_split, out=folder / HOLDOUT_DIR,
                            step="testing on the held-out examples")
        evaluation.holdout = metrics_from_report(_load_json(folder / HOLDOUT_DIR / "intent_report.json"))
        if live is not None:
            evaluation.comparison = await _compare_with_live(registry, folder, evaluation.holdout, live)
    if folds >= 2:
        snapshot = TrainingSources.of_snapshot(folder / "data")
        await rasa.cross_validate(logged, nlu=folder / "data" / TRAINING_DIR, config=snapshot.config, folds=folds,
                                  out=folder / CV_DIR, step=f"cross-validating in {folds} folds")
        evaluation.cross_validation = metrics_from_report(_load_json(folder / CV_DIR / "intent_report.json"))
    if containment is not None:
        evaluation.containment = await _containment(registry, folder, containment, logged, live, base_models_dir)
    evaluation.files = [str(path.relative_to(folder)) for directory in (HOLDOUT_DIR, CV_DIR)
                        for name in REPORT_FILES if (path := folder / directory / name).is_file()]
    evaluation.files += [name for name in (LIVE_REPORT, COMPARISON) if (folder / name).is_file()]
    with registry.locked():
        record = registry.get(model_id)
        record.evaluation = evaluation
        registry.save(record)
    return record


async def _containment(registry: Registry, folder: Path, check: ContainmentCheck, logged: Logged,
                       live: RasaServer | None, base_models_dir: Path | None) -> ContainmentComparison:
    candidate = await check.measure(logged, ServedModel(folder / ARCHIVE, registry.encoder(folder.name)))
    status = await live.status() if live is not None else {}
    live_model = served_model(registry, status, base_models_dir) if status else None
    if live_model is None:
        return ContainmentComparison(candidate=candidate)
    served = await check.measure(logged, live_model)
    delta = None if candidate.contained_share is None or served.contained_share is None else round(
        candidate.contained_share - served.contained_share, 4)
    return ContainmentComparison(candidate=candidate, live=served, live_model=str(status.get("model_file", "")),
                                 contained_delta=delta)


async def _compare_with_live(registry: Registry, folder: Path, candidate: Metrics, live: RasaServer) -> Comparison:
    test_split = folder / SPLIT_DIR / TEST_SPLIT
    status = await live.status()
    answer = await live.test_intents(test_split.read_text(encoding="utf-8"))
    intent_evaluation = answer.get("intent_evaluation") or {}
    (folder / LIVE_REPORT).write_text(json.dumps(
        {"model_file": status.get("model_file"), "model_id": status.get("model_id"),
         "report": intent_evaluation.get("report"), "errors": intent_evaluation.get("errors")}, indent=2))
    comparison = compare(candidate, metrics_from_report(intent_evaluation["report"]),
                         str(status.get("model_file", "")), str(status.get("model_id", "")),
                         _examples_seen_by(registry, str(status.get("model_id", "")), test_split))
    (folder / COMPARISON).write_text(comparison.model_dump_json(indent=2))
    return comparison


def _examples_seen_by(registry: Registry, rasa_model_id: str, test_split: Path) -> int | None:
    """How many held-out examples the registry model with that fingerprint trained on (None: unknown)."""
    record = registry.with_rasa_model_id(rasa_model_id)
    if record is None or record.source != "trained":
        return None
    try:
        folder = registry.folder(record.id)
    except UnknownModel:
        return None
    split = folder / SPLIT_DIR / TRAIN_SPLIT
    trained_on = [split] if split.is_file() else TrainingSources.of_snapshot(folder / "data").nlu_files()
    seen = {normalise(e) for path in trained_on for lines in read_examples(path).values() for e in lines}
    return sum(normalise(e) in seen for lines in read_examples(test_split).values() for e in lines)


def _load_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data
