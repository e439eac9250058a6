"""How the bot's decisions score against a set of customer messages with what each should get.

One owner for what counts as right, used by ``benchmarks/containment.py`` (messages sent through
the running system) and by the retraining loop's containment check (:mod:`retraining.containment`,
Rasa's reading of each message replayed through :func:`routing.route`). A set is JSON lines, one
message each: ``text``, ``kind`` (answerable, boundary, must_escalate), ``expected``
(``{"answer": [article ids]}`` or ``{"escalate": [reasons]}``, empty = any reason) and, for
boundary cases, a ``pattern``. What counts as right (:func:`verdict`):

- An ``answer`` expectation is met by an answer with one of the articles (``answered_right``) or
  by a clarification offering one of them (``clarified_right``: the customer can pick it). An
  answer with another article is ``wrong``, a clarification without any is ``clarified_wrong``,
  an escalation (any reason) is ``false_escalation``; ``rephrase`` and ``other`` are misses.
- An ``escalate`` expectation is met by an escalation with an acceptable reason. For
  ``unanswerable_ours`` boundary cases, a rephrase request also counts: the bot did not answer
  wrongly and a second miss hands over. Anything else is not right.

:func:`score` gives the shares (``contained_share`` = answered_right + clarified_right over
answerable messages, ``boundary_accuracy``, ``escalation_share`` of must-escalate messages, ...).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from outcomes.metrics import percentile
from routing.decision import Route, Step

HALVES = ("tuning", "reporting")
KINDS = ("answerable", "boundary", "must_escalate")
PATTERNS = ("covered_third_party", "uncovered_third_party", "unanswerable_ours", "greeting_mixed", "order_problem")


class InvalidSet(ValueError):
    """A line of the unseen-wording set is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Case:
    """One message of the set and what the bot should do with it."""

    id: str
    text: str
    kind: str
    answer: tuple[str, ...] = ()  # acceptable article ids (an answer expectation)
    escalate: tuple[str, ...] | None = None  # acceptable reasons (an escalation expectation; () = any)
    pattern: str | None = None
    styles: tuple[str, ...] = ()


@dataclass
class Observation:
    """What the customer saw after sending one message."""

    outcome: str  # answer | clarify | escalate | rephrase | other
    article: str | None = None
    options: list[str] = field(default_factory=list)
    reason: str | None = None
    text: str = ""
    latency_ms: float | None = None


def parse_case(raw: str, where: str) -> Case:
    """One JSON line as a Case, or InvalidSet saying what is wrong at ``where`` (file:line)."""
    try:
        row = json.loads(raw)
        expected = row["expected"]
        if not isinstance(row["text"], str) or not row["text"].strip() or row["kind"] not in KINDS:
            raise ValueError("text must be a non-empty string and kind one of " + ", ".join(KINDS))
        if row.get("pattern") not in (None, *PATTERNS) or (row["kind"] == "boundary") != bool(row.get("pattern")):
            raise ValueError("boundary lines need a pattern from " + ", ".join(PATTERNS) + "; others none")
        if set(expected) not in ({"answer"}, {"escalate"}):
            raise ValueError('expected must be {"answer": [ids]} or {"escalate": [reasons]}')
        answer, escalate = expected.get("answer"), expected.get("escalate")
        if answer is not None and not (answer and all(isinstance(a, str) for a in answer)):
            raise ValueError("expected.answer must list at least one article id")
        return Case(id=str(row["id"]), text=row["text"], kind=row["kind"], answer=tuple(answer or ()),
                    escalate=None if escalate is None else tuple(escalate), pattern=row.get("pattern"),
                    styles=tuple(row.get("styles") or ()))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise InvalidSet(f"{where}: {type(error).__name__}: {error}") from error


def load_half(half: str, folder: Path) -> list[Case]:
    """Every case of ``half`` (tuning or reporting), validated; ids must be unique."""
    path = folder / f"{half}.jsonl"
    cases = [parse_case(line, f"{path}:{n}") for n, line in enumerate(path.read_text().splitlines(), 1)
             if line.strip()]
    duplicates = [i for i, c in Counter(case.id for case in cases).items() if c > 1]
    if duplicates:
        raise InvalidSet(f"{path}: duplicate ids {duplicates[:5]}")
    return cases


def verdict(case: Case, seen: Observation) -> str:
    """How one observation scores against its case (the rules in the module docstring)."""
    if case.escalate is None:
        if seen.outcome == "answer":
            return "answered_right" if seen.article in case.answer else "wrong"
        if seen.outcome == "clarify":
            return "clarified_right" if set(seen.options) & set(case.answer) else "clarified_wrong"
        return {"escalate": "false_escalation"}.get(seen.outcome, seen.outcome)
    if seen.outcome == "escalate" and (not case.escalate or seen.reason in case.escalate):
        return "escalated_right"
    if seen.outcome == "rephrase" and case.pattern == "unanswerable_ours":
        return "escalated_right"
    return "escalated_wrong_reason" if seen.outcome == "escalate" else f"not_escalated_{seen.outcome}"


def is_right(verdict_name: str) -> bool:
    return verdict_name in ("answered_right", "clarified_right", "escalated_right")


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def score(results: Iterable[tuple[Case, Observation]]) -> dict[str, Any]:
    """The benchmark's figures from (case, observation) pairs (defined in the module docstring)."""
    pairs = list(results)
    by_kind: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    patterns: dict[str, Counter[str]] = {}
    for case, seen in pairs:
        name = verdict(case, seen)
        by_kind[case.kind][name] += 1
        if case.kind == "boundary":
            patterns.setdefault(str(case.pattern), Counter())["right" if is_right(name) else "not_right"] += 1
    answerable, boundary = by_kind["answerable"], by_kind["boundary"]
    n_answerable, n_boundary = sum(answerable.values()), sum(boundary.values())
    escalated = sum(1 for case, seen in pairs if case.kind == "must_escalate" and seen.outcome == "escalate")
    answered_ms = [s.latency_ms for _, s in pairs if s.outcome == "answer" and s.latency_ms is not None]
    reply_ms = [s.latency_ms for _, s in pairs if s.latency_ms is not None]
    return {
        "contained_share": share(answerable["answered_right"] + answerable["clarified_right"], n_answerable),
        "answered_right_share": share(answerable["answered_right"], n_answerable),
        "clarify_share": share(answerable["clarified_right"], n_answerable),
        "clarify_wrong_share": share(answerable["clarified_wrong"], n_answerable),
        "wrong_share": share(answerable["wrong"], n_answerable),
        "false_escalation_share": share(answerable["false_escalation"], n_answerable),
        "rephrase_share": share(answerable["rephrase"], n_answerable),
        "other_share": share(answerable["other"], n_answerable),
        "boundary_accuracy": share(sum(n for v, n in boundary.items() if is_right(v)), n_boundary),
        "boundary_by_pattern": {p: share(c["right"], c.total()) for p, c in sorted(patterns.items())},
        "escalation_share": share(escalated, sum(by_kind["must_escalate"].values())),
        "escalation_reason_right_share": share(by_kind["must_escalate"]["escalated_right"],
                                               sum(by_kind["must_escalate"].values())),
        "answer_ms_p50": percentile(answered_ms, 50), "answer_ms_p95": percentile(answered_ms, 95),
        "reply_ms_p50": percentile(reply_ms, 50),
        "messages": len(pairs), "answerable": n_answerable, "boundary": n_boundary,
        "must_escalate": sum(by_kind["must_escalate"].values()),
        "counts": {kind: dict(sorted(counter.items())) for kind, counter in by_kind.items()},
        "no_reply": sum(1 for _, s in pairs if s.latency_ms is None),
        "bot_unavailable": sum(1 for _, s in pairs if s.reason == "bot_unavailable"),
    }


def observed(decided: Route) -> Observation:
    """What the customer would see after the routing decision ``decided`` (no latency: not sent)."""
    if decided.step is Step.ANSWER:
        return Observation("answer", article=decided.candidates[0].article_id)
    if decided.step is Step.CLARIFY:
        return Observation("clarify", options=[c.article_id for c in decided.candidates])
    if decided.step is Step.HAND_OVER:
        return Observation("escalate", reason=str(decided.reason))
    return Observation("rephrase" if decided.step is Step.REPHRASE else "other")
