"""CLINC150 intent classification and out-of-scope detection with the shipped NLU pipeline.

    .venv/bin/python benchmarks/nlu_clinc150.py [--limit-per-intent N] [--test-limit-per-intent N]
        [--config config.yml] [--sweep]

Trains config.yml's pipeline (Rasa's own training, in the Rasa virtualenv) on CLINC150 "full":
the 15,000 in-scope training sentences plus the 100 ``oos_train`` sentences as an
``out_of_scope`` intent, then classifies test (4,500) + oos_test (1,000). A message counts as
out of scope when the model says ``out_of_scope`` or falls back (``nlu_fallback``), as the bot
hands both to the knowledge base or a person. Prints one JSON line:
in_scope_accuracy, oos_recall, oos_precision, train_seconds (and the run's settings).
``--sweep`` adds the same scores for other FallbackClassifier thresholds (no retraining).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlu.evaluation import Example, Job, escape_plain, oos_scores, per_intent, run_jobs

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "clinc150" / "data_full.json"
OOS = "out_of_scope"
SWEEP = [(t, a) for t in (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9) for a in (0.0, 0.1)]


def load(path: Path = DATA) -> dict[str, list[Example]]:
    """The splits of data_full.json, with ``oos`` renamed to our ``out_of_scope`` intent."""
    raw = json.loads(path.read_text())
    return {split: [(escape_plain(text), OOS if label == "oos" else label) for text, label in rows]
            for split, rows in raw.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description="CLINC150 with the shipped NLU pipeline; one JSON line.")
    parser.add_argument("--limit-per-intent", type=int, default=None, help="training sentences per intent")
    parser.add_argument("--test-limit-per-intent", type=int, default=None, help="test sentences per intent")
    parser.add_argument("--config", type=Path, default=Path("config.yml"))
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--sweep", action="store_true", help="also score other fallback thresholds")
    parser.add_argument("--log", type=Path, default=None, help="Rasa's output (default: discarded)")
    args = parser.parse_args()
    splits = load(args.data)
    train = per_intent(splits["train"] + splits["oos_train"], args.limit_per_intent)
    test = per_intent(splits["test"], args.test_limit_per_intent)
    oos_limit = None if args.test_limit_per_intent is None else args.test_limit_per_intent * 10
    test += per_intent(splits["oos_test"], oos_limit)
    result = run_jobs([Job(args.config.resolve(), train, [text for text, _ in test])], log=args.log)[0]
    expected = [intent for _, intent in test]
    line = {
        **{key: round(value, 4) for key, value in
           oos_scores([p.intent for p in result.predictions], expected, OOS).items()},
        "train_seconds": round(result.train_seconds, 1),
        "classify_seconds": round(result.classify_seconds, 1),
        "train_examples": len(train), "test_examples": len(test), "config": str(args.config),
        "load_average": round(os.getloadavg()[0], 2),
    }
    if args.sweep:
        line["sweep"] = [{"threshold": t, "ambiguity": a, **{k: round(v, 4) for k, v in oos_scores(
            [p.with_thresholds(t, a) for p in result.predictions], expected, OOS).items()}} for t, a in SWEEP]
    print(json.dumps(line))


if __name__ == "__main__":
    main()
