"""The answer decision: answer, ask which article was meant, or hand over to a person.

This module is the one place that owns that choice. It is a pure function of the ranked
candidates and the :class:`Thresholds`, so it can be tuned and tested without a model:

- **answer** when the best article scores at least ``answer_threshold`` and no other contender
  (an article at or above ``clarify_threshold``) comes within ``answer_margin`` of it;
- **clarify** when that fails but two or more contenders exist: offer up to
  ``clarify_max_options`` of them ("Did you mean ...?");
- **escalate** otherwise: nothing is close enough (``no_match``), or a single article is
  plausible but not convincing (``low_confidence``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from knowledge_base.errors import InvalidThresholds


class Action(StrEnum):
    """What the bot does with the customer's question."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    ESCALATE = "escalate"


class Reason(StrEnum):
    """Why; stable codes for logs, metrics and the agent's queue."""

    CONFIDENT = "confident"
    AMBIGUOUS = "ambiguous"
    LOW_CONFIDENCE = "low_confidence"
    NO_MATCH = "no_match"


@dataclass(frozen=True)
class Candidate:
    """A published article found for a question, with its similarity (cosine, in [-1, 1])."""

    article_id: str
    title: str
    body: str
    product: str | None
    score: float


class ThresholdSettings(Protocol):
    """Anything carrying the thresholds, such as the gateway's settings section."""

    @property
    def answer_threshold(self) -> float: ...

    @property
    def clarify_threshold(self) -> float: ...

    @property
    def clarify_max_options(self) -> int: ...


@dataclass(frozen=True)
class Thresholds:
    """The knobs of :func:`decide`; the gateway reads them from config.yml's ``tandem:`` section.

    Scores are cosine similarities. The defaults come from the 65 demo articles with
    all-MiniLM-L6-v2: paraphrased on-topic questions scored 0.49-1.0 (median 0.77) for the right
    article, small talk and general questions at most 0.40. Questions about other companies'
    products that mirror ours ("reset my iPhone", 0.58) score like on-topic ones, which no
    threshold can separate.
    """

    answer_threshold: float = 0.55
    clarify_threshold: float = 0.45
    clarify_max_options: int = 3
    answer_margin: float = 0.05

    def __post_init__(self) -> None:
        problems = []
        if not -1.0 <= self.clarify_threshold <= self.answer_threshold <= 1.0:
            problems.append("need -1 <= clarify_threshold <= answer_threshold <= 1")
        if self.clarify_max_options < 2:
            problems.append("clarify_max_options must be at least 2 (a choice needs two options)")
        if self.answer_margin < 0:
            problems.append("answer_margin must not be negative")
        if problems:
            raise InvalidThresholds(problems)

    @classmethod
    def of(cls, settings: ThresholdSettings) -> Thresholds:
        """Validated thresholds from a settings object; ``answer_margin`` is optional there."""
        if isinstance(settings, Thresholds):
            return settings
        return cls(
            answer_threshold=settings.answer_threshold,
            clarify_threshold=settings.clarify_threshold,
            clarify_max_options=settings.clarify_max_options,
            answer_margin=getattr(settings, "answer_margin", cls.answer_margin),
        )


@dataclass(frozen=True)
class Decision:
    """The outcome, with the candidates that go with it.

    ``candidates`` is the answer alone for ``answer``, the options offered for ``clarify``,
    and every candidate found (context for the agent) for ``escalate``.
    """

    action: Action
    candidates: tuple[Candidate, ...]
    reason: Reason


def decide(candidates: Sequence[Candidate], thresholds: Thresholds) -> Decision:
    """Choose what to do with a question, given its candidates in any order."""
    ranked = sorted(candidates, key=lambda candidate: candidate.score, reverse=True)
    contenders = [c for c in ranked if c.score >= thresholds.clarify_threshold]
    if not contenders:
        return Decision(Action.ESCALATE, tuple(ranked), Reason.NO_MATCH)
    if _clearly_best(contenders, thresholds):
        return Decision(Action.ANSWER, (contenders[0],), Reason.CONFIDENT)
    if len(contenders) >= 2:
        options = tuple(contenders[: thresholds.clarify_max_options])
        return Decision(Action.CLARIFY, options, Reason.AMBIGUOUS)
    return Decision(Action.ESCALATE, tuple(ranked), Reason.LOW_CONFIDENCE)


def _clearly_best(contenders: Sequence[Candidate], thresholds: Thresholds) -> bool:
    """The top contender is good enough, and no other contender is nearly as good."""
    best = contenders[0].score
    if best < thresholds.answer_threshold:
        return False
    return len(contenders) == 1 or best - contenders[1].score >= thresholds.answer_margin
