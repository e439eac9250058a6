"""BANKING77 intent accuracy with the shipped NLU pipeline.

    .venv/bin/python benchmarks/nlu_banking77.py [--limit-per-intent N] [--test-limit-per-intent N]
        [--config config.yml]

Trains config.yml's pipeline (Rasa's own training, in the Rasa virtualenv) on the 10,003
training sentences of 77 banking intents and classifies the 3,080 test sentences. A fallback
(``nlu_fallback``) counts as wrong. Prints one JSON line: accuracy, train_seconds (and the run's
settings); ``accuracy_without_fallback`` is the top intent whatever its confidence.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlu.evaluation import Example, Job, accuracy, escape_plain, per_intent, run_jobs

DATA = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "banking77"


def load(path: Path) -> list[Example]:
    """One CSV split (columns text, category)."""
    with path.open(newline="") as stream:
        return [(escape_plain(row["text"]), row["category"]) for row in csv.DictReader(stream)]


def main() -> None:
    parser = argparse.ArgumentParser(description="BANKING77 with the shipped NLU pipeline; one JSON line.")
    parser.add_argument("--limit-per-intent", type=int, default=None, help="training sentences per intent")
    parser.add_argument("--test-limit-per-intent", type=int, default=None, help="test sentences per intent")
    parser.add_argument("--config", type=Path, default=Path("config.yml"))
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--log", type=Path, default=None, help="Rasa's output (default: discarded)")
    args = parser.parse_args()
    train = per_intent(load(args.data / "train.csv"), args.limit_per_intent)
    test = per_intent(load(args.data / "test.csv"), args.test_limit_per_intent)
    result = run_jobs([Job(args.config.resolve(), train, [text for text, _ in test])], log=args.log)[0]
    expected = [intent for _, intent in test]
    print(json.dumps({
        "accuracy": round(accuracy([p.intent for p in result.predictions], expected), 4),
        "accuracy_without_fallback": round(accuracy([p.with_thresholds(0, 0) for p in result.predictions],
                                                    expected), 4),
        "train_seconds": round(result.train_seconds, 1),
        "classify_seconds": round(result.classify_seconds, 1),
        "train_examples": len(train), "test_examples": len(test), "config": str(args.config),
        "load_average": round(os.getloadavg()[0], 2),
    }))


if __name__ == "__main__":
    main()
