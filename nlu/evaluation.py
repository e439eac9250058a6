"""Measuring an NLU pipeline from outside Rasa: data in, scores out (used by ``benchmarks/nlu_*.py``).

No Rasa import here, so the benchmarks run from the gateway virtualenv: they write the data in
Rasa's YAML, run :mod:`nlu.runner` in the Rasa virtualenv as a subprocess, and score what it
predicted. Fallback thresholds are applied here, after the fact, from the ranking the runner
returns, exactly as Rasa's FallbackClassifier decides, so one training serves every threshold.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
FALLBACK = "nlu_fallback"
#: Rasa's inline entity markup, ``[text](entity)`` or ``[text]{"entity": ...}``.
ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")

Example = tuple[str, str]  # (text, intent); text may carry entity markup


@dataclass(frozen=True)
class Prediction:
    """What the model said about one text: its intent, and the ranking behind it."""

    intent: str  # as the model's own FallbackClassifier left it
    ranking: tuple[tuple[str, float], ...]  # best first, without nlu_fallback

    def with_thresholds(self, threshold: float, ambiguity: float) -> str:
        """The intent after Rasa's FallbackClassifier rule with these thresholds."""
        if not self.ranking:
            return FALLBACK
        top = self.ranking[0][1]
        second = self.ranking[1][1] if len(self.ranking) > 1 else 0.0
        if top < threshold or top - second < ambiguity:
            return FALLBACK
        return self.ranking[0][0]


@dataclass(frozen=True)
class RunResult:
    train_seconds: float
    classify_seconds: float
    predictions: list[Prediction]
    entities: list[list[dict[str, Any]]]


def plain(text: str) -> str:
    """``text`` without entity markup, as a customer would type it."""
    return ENTITY_MARKUP.sub(r"\1", text)


def nlu_yaml(examples: Iterable[Example], extra: Sequence[dict[str, Any]] = ()) -> str:
    """Rasa 3 NLU YAML for ``examples`` plus ``extra`` blocks (synonyms, lookups) as they are."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in examples:
        by_intent[intent].append(" ".join(text.split()))
    blocks = [{"intent": intent, "examples": "".join(f"- {t}\n" for t in texts)} for intent, texts in by_intent.items()]
    return yaml.safe_dump({"version": "3.1", "nlu": [*blocks, *extra]}, sort_keys=False, allow_unicode=True)


def escape_plain(text: str) -> str:
    """A dataset sentence made safe for Rasa's example syntax."""
    return text.replace("[", "(").replace("]", ")").replace("{", "(").replace("}", ")")


def read_rasa_nlu(path: Path) -> tuple[list[Example], list[dict[str, Any]]]:
    """The intent examples of a Rasa NLU file (markup kept) and its other blocks."""
    blocks = yaml.safe_load(path.read_text()).get("nlu") or []
    examples: list[Example] = []
    extra = []
    for block in blocks:
        if "intent" in block:
            examples += [(line[2:].strip(), block["intent"]) for line in str(block["examples"]).splitlines()
                         if line.startswith("- ")]
        else:
            extra.append(block)
    return examples, extra


def stratified_folds(examples: Sequence[Example], folds: int, seed: int = 0) -> list[list[Example]]:
    """``examples`` dealt into ``folds`` parts, each intent spread evenly over them."""
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        by_intent[example[1]].append(example)
    parts: list[list[Example]] = [[] for _ in range(folds)]
    rng = random.Random(seed)
    offset = 0
    for intent in sorted(by_intent):
        group = by_intent[intent][:]
        rng.shuffle(group)
        for index, example in enumerate(group):
            parts[(offset + index) % folds].append(example)
        offset += len(group)
    return parts


def per_intent(examples: Sequence[Example], limit: int | None, seed: int = 0) -> list[Example]:
    """At most ``limit`` examples of each intent (all with ``None``), chosen reproducibly."""
    if limit is None:
        return list(examples)
    by_intent: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        by_intent[example[1]].append(example)
    rng = random.Random(seed)
    chosen: list[Example] = []
    for intent in sorted(by_intent):
        group = by_intent[intent][:]
        rng.shuffle(group)
        chosen += group[:limit]
    return chosen


@dataclass(frozen=True)
class Job:
    """One training and classification for :func:`run_jobs`."""

    config: Path
    train: Sequence[Example]
    texts: Sequence[str]
    extra: Sequence[dict[str, Any]] = ()


def run_jobs(jobs: Sequence[Job], rasa_python: Path = RASA_PYTHON, log: Path | None = None) -> list[RunResult]:
    """Run ``jobs`` in one Rasa process (:mod:`nlu.runner`); Rasa's output goes to ``log``."""
    with tempfile.TemporaryDirectory(prefix="nlu-eval-") as scratch:
        folder = Path(scratch)
        specs = []
        for number, job in enumerate(jobs):
            train, texts, out = (folder / f"{number}-{name}" for name in ("train.yml", "texts.json", "out.json"))
            train.write_text(nlu_yaml(job.train, job.extra))
            texts.write_text(json.dumps(list(job.texts)))
            specs.append({"config": str(job.config), "train": str(train), "texts": str(texts), "out": str(out)})
        (folder / "jobs.json").write_text(json.dumps(specs))
        with (log or folder / "rasa.log").open("ab") as stream:
            subprocess.run([str(rasa_python), "-m", "nlu.runner", str(folder / "jobs.json")], cwd=PROJECT_ROOT,
                           stdout=stream, stderr=subprocess.STDOUT, check=True)
        return [_result(json.loads(Path(spec["out"]).read_text())) for spec in specs]


def _result(raw: dict[str, Any]) -> RunResult:
    predictions = [Prediction(p["intent"] or FALLBACK, tuple((name, float(conf)) for name, conf in p["ranking"]))
                   for p in raw["predictions"]]
    return RunResult(raw["train_seconds"], raw["classify_seconds"], predictions,
                     [p["entities"] for p in raw["predictions"]])


def accuracy(predicted: Sequence[str], expected: Sequence[str]) -> float:
    """Share of exact matches (a fallback counts as wrong)."""
    return sum(p == e for p, e in zip(predicted, expected, strict=True)) / max(len(expected), 1)


def oos_scores(predicted: Sequence[str], expected: Sequence[str], oos: str) -> dict[str, float]:
    """CLINC150's measures: in-scope accuracy, and recall/precision of "out of scope".

    A fallback counts as an out-of-scope prediction: in the bot both leave the intents behind.
    """
    as_oos = [p in (oos, FALLBACK) for p in predicted]
    in_scope = [(p, e) for p, e in zip(predicted, expected, strict=True) if e != oos]
    oos_total = sum(e == oos for e in expected)
    hits = sum(flag and e == oos for flag, e in zip(as_oos, expected, strict=True))
    return {
        "in_scope_accuracy": sum(p == e for p, e in in_scope) / max(len(in_scope), 1),
        "oos_recall": hits / max(oos_total, 1),
        "oos_precision": hits / max(sum(as_oos), 1),
    }
