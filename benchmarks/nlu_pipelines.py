"""Compares candidate NLU pipelines on the demo data, CLINC150 and BANKING77 (subsets).

    .venv/bin/python benchmarks/nlu_pipelines.py [--pipelines a,b,...] [--limit-per-intent 20]
        [--test-limit-per-intent 10] [--folds 3]

How config.yml's pipeline was chosen (benchmarks/README.md, "NLU pipeline"). Each candidate is
trained by Rasa (in the Rasa virtualenv) on: the demo data by stratified cross-validation
(training_data/nlu.yml, synonyms and lookup tables kept), a per-intent subset of CLINC150 (with
its out-of-scope sentences as ``out_of_scope``) and of BANKING77. Prints one JSON line with, per
candidate, the scores at its own fallback thresholds and the mean training seconds per dataset.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nlu_banking77
import nlu_clinc150
import yaml

from nlu.evaluation import Example, Job, RunResult, accuracy, oos_scores, per_intent, plain, read_rasa_nlu, run_jobs
from nlu.evaluation import stratified_folds as folds_of

ROOT = Path(__file__).resolve().parents[1]
SPARSE: list[dict[str, Any]] = [
    {"name": "WhitespaceTokenizer"},
    {"name": "RegexFeaturizer", "case_sensitive": False, "use_word_boundaries": True},
    {"name": "LexicalSyntacticFeaturizer"},
    {"name": "CountVectorsFeaturizer"},
    {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
]
MINILM = {"name": "nlu.components.SentenceEmbeddingFeaturizer", "model": "all-MiniLM-L6-v2"}
DIET_FAST = {"name": "DIETClassifier", "epochs": 100, "constrain_similarities": True,
             "number_of_transformer_layers": 0, "random_seed": 42}
LOOKUP_ENTITIES = {"name": "RegexEntityExtractor", "case_sensitive": False, "use_lookup_tables": True,
                   "use_regexes": False, "use_word_boundaries": True}
SYNONYMS = {"name": "EntitySynonymMapper"}


def fallback(threshold: float, ambiguity: float) -> dict[str, Any]:
    return {"name": "FallbackClassifier", "threshold": threshold, "ambiguity_threshold": ambiguity}


#: (a) Rasa 3.6's default pipeline (without ResponseSelector: no retrieval intents here),
#: (b) the pipeline before this comparison, (c) (b) with MiniLM sentence features, (c2) (c)
#: with entities from the lookup tables instead of DIET's tagger, (e) Rasa's logistic
#: regression on the same sparse and (scaled) MiniLM features instead of DIET.
CANDIDATES: dict[str, list[dict[str, Any]]] = {
    "a_rasa_default": [*SPARSE, {"name": "DIETClassifier", "epochs": 100, "constrain_similarities": True},
                       SYNONYMS, fallback(0.3, 0.1)],
    "b_diet_no_transformer": [*SPARSE, DIET_FAST, SYNONYMS, fallback(0.5, 0.1)],
    "c_diet_minilm": [*SPARSE, MINILM, DIET_FAST, SYNONYMS, fallback(0.5, 0.1)],
    "c2_diet_minilm_lookup_entities": [*SPARSE, MINILM, {**DIET_FAST, "entity_recognition": False},
                                       LOOKUP_ENTITIES, SYNONYMS, fallback(0.5, 0.1)],
    "e_logreg_minilm": [*SPARSE, {**MINILM, "scale": 10.0}, {"name": "LogisticRegressionClassifier"},
                        LOOKUP_ENTITIES, SYNONYMS, fallback(0.5, 0.0)],
}


def config_file(folder: Path, name: str, pipeline: list[dict[str, Any]]) -> Path:
    path = folder / f"{name}.yml"
    path.write_text(yaml.safe_dump({"recipe": "default.v1", "language": "en", "assistant_id": "benchmark",
                                    "pipeline": pipeline, "policies": []}, sort_keys=False))
    return path


SWEEP = [(t, a) for t in (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9) for a in (0.0, 0.1, 0.2)]


def evaluate(config: Path, folds: int, limit: int, test_limit: int, log: Path | None,
             sweep: bool = False) -> dict[str, Any]:
    """One candidate on the three datasets (one Rasa process)."""
    demo, extra = read_rasa_nlu(ROOT / "training_data" / "nlu.yml")
    parts = folds_of(demo, folds)
    jobs = [Job(config, [e for j, part in enumerate(parts) if j != i for e in part],
                [plain(text) for text, _ in parts[i]], extra) for i in range(folds)]
    clinc = nlu_clinc150.load()
    clinc_test = per_intent(clinc["test"], test_limit) + per_intent(clinc["oos_test"], test_limit * 10)
    jobs.append(Job(config, per_intent(clinc["train"] + clinc["oos_train"], limit), [t for t, _ in clinc_test]))
    banking_test = per_intent(nlu_banking77.load(nlu_banking77.DATA / "test.csv"), test_limit)
    jobs.append(Job(config, per_intent(nlu_banking77.load(nlu_banking77.DATA / "train.csv"), limit),
                    [t for t, _ in banking_test]))
    results = run_jobs(jobs, log=log)
    demo_expected = [intent for part in parts for _, intent in part]
    demo_results = results[:folds]
    scores: dict[str, Any] = {
        "demo_accuracy": round(accuracy(_intents(demo_results), demo_expected), 4),
        "demo_accuracy_without_fallback": round(accuracy(_intents(demo_results, raw=True), demo_expected), 4),
        "demo_train_seconds": round(sum(r.train_seconds for r in demo_results) / folds, 1),
        **{f"clinc_{k}": round(v, 4) for k, v in
           oos_scores(_intents(results[-2:-1]), [i for _, i in clinc_test], nlu_clinc150.OOS).items()},
        "clinc_train_seconds": round(results[-2].train_seconds, 1),
        "banking_accuracy": round(accuracy(_intents(results[-1:]), [i for _, i in banking_test]), 4),
        "banking_train_seconds": round(results[-1].train_seconds, 1),
    }
    if sweep:
        scores["sweep"] = [_at(t, a, demo_results, demo_expected, results[-2], clinc_test, results[-1], banking_test)
                           for t, a in SWEEP]
    return scores


def _at(threshold: float, ambiguity: float, demo: Sequence[RunResult], demo_expected: list[str], clinc: RunResult,
        clinc_test: list[Example], banking: RunResult, banking_test: list[Example]) -> dict[str, Any]:
    """The scores had the FallbackClassifier used these thresholds (same trained models)."""
    demo_predicted = [p.with_thresholds(threshold, ambiguity) for r in demo for p in r.predictions]
    clinc_scores = oos_scores([p.with_thresholds(threshold, ambiguity) for p in clinc.predictions],
                              [i for _, i in clinc_test], nlu_clinc150.OOS)
    banking_predicted = [p.with_thresholds(threshold, ambiguity) for p in banking.predictions]
    return {"threshold": threshold, "ambiguity": ambiguity,
            "demo_accuracy": round(accuracy(demo_predicted, demo_expected), 4),
            **{f"clinc_{k}": round(v, 4) for k, v in clinc_scores.items()},
            "banking_accuracy": round(accuracy(banking_predicted, [i for _, i in banking_test]), 4)}


def _intents(results: Sequence[RunResult], raw: bool = False) -> list[str]:
    return [p.with_thresholds(0, 0) if raw else p.intent for r in results for p in r.predictions]


def main() -> None:
    parser = argparse.ArgumentParser(description="Candidate NLU pipelines side by side; one JSON line.")
    parser.add_argument("--pipelines", default=",".join(CANDIDATES), help="comma-separated candidate names")
    parser.add_argument("--limit-per-intent", type=int, default=20, help="CLINC150/BANKING77 training per intent")
    parser.add_argument("--test-limit-per-intent", type=int, default=10)
    parser.add_argument("--folds", type=int, default=3, help="cross-validation folds on the demo data")
    parser.add_argument("--log", type=Path, default=None, help="Rasa's output (default: discarded)")
    parser.add_argument("--sweep", action="store_true", help="also score other fallback thresholds")
    args = parser.parse_args()
    line: dict[str, Any] = {"limit_per_intent": args.limit_per_intent, "test_limit_per_intent":
                            args.test_limit_per_intent, "folds": args.folds}
    with tempfile.TemporaryDirectory(prefix="nlu-pipelines-") as scratch:
        for name in args.pipelines.split(","):
            config = config_file(Path(scratch), name, CANDIDATES[name])
            line[name] = evaluate(config, args.folds, args.limit_per_intent, args.test_limit_per_intent, args.log,
                                  args.sweep)
    line["load_average"] = round(os.getloadavg()[0], 2)
    print(json.dumps(line))


if __name__ == "__main__":
    main()
