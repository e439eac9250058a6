"""The answer decision: answer, ask which article was meant, or hand over to a person.

This module is the one place that owns that choice. It is a pure function of the ranked
candidates and the :class:`Thresholds`, so it can be tuned and tested without a model:

- **answer** (``confident``) when the best article scores at least ``answer_threshold`` and the
  runner-up is at least ``answer_margin`` behind it; or (``clear_lead``) when it scores at least
  ``lead_answer_threshold`` and leads the runner-up by ``lead_margin`` or more;
- **clarify** when the best article scores at least ``clarify_threshold`` but that fails: offer
  the best ``clarify_max_options`` articles ("Did you mean ...?"; the customer can also pick
  "none of these", which hands over). The reason is ``ambiguous`` when the best one was good
  enough but had a close rival, ``low_confidence`` when it was not good enough;
- **escalate** (``no_match``) when nothing scores ``clarify_threshold``, unless the best article
  scores ``lead_clarify_threshold`` and leads by ``lead_margin``: then it is offered (``clear_lead``).

Why the lead rule: customers' own words score lower than curated paraphrases, so a right article
often scores 0.45-0.60 — but far ahead of every other article, while a question no article
answers scores about the same against several (benchmarks/containment.py, tuning half). The
lead tells those apart where the absolute score cannot.

Scores are the fused retrieval score (:mod:`knowledge_base.retrieval`). The thresholds live in
config.yml and come from benchmarks/kb_answerability.py, which reports how often each choice is
right; the margin rule is what keeps wrong answers rare (most wrong top hits have a close rival).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    CLEAR_LEAD = "clear_lead"  # not high, but far ahead of every other article


@dataclass(frozen=True)
class Candidate:
    """A published article found for a question, with its fused score and the signals behind it."""

    article_id: str
    title: str
    body: str
    product: str | None
    score: float
    signals: Mapping[str, float] = field(default_factory=dict, compare=False)


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

    The defaults are the calibrated values in config.yml: on StackFAQ splits with seeds 10-39
    (not the reported seeds 0-2), the settings that keep the mean wrong answers at most 0.7 %,
    answered held-out questions at most 7 % and correct outcomes at least 96 %, while asking
    "Did you mean...?" least (``benchmarks/kb_answerability.py --calibrate``).
    """

    answer_threshold: float = 0.62
    clarify_threshold: float = 0.50
    clarify_max_options: int = 3
    answer_margin: float = 0.03
    lead_margin: float = 0.12
    lead_answer_threshold: float = 0.50
    lead_clarify_threshold: float = 0.42

    def __post_init__(self) -> None:
        problems = []
        if not -1.0 <= self.clarify_threshold <= self.answer_threshold <= 1.5:
            problems.append("need -1 <= clarify_threshold <= answer_threshold <= 1.5")
        if self.clarify_max_options < 2:
            problems.append("clarify_max_options must be at least 2 (a choice needs two options)")
        if self.answer_margin < 0 or self.lead_margin < 0:
            problems.append("answer_margin and lead_margin must not be negative")
        if not self.lead_clarify_threshold <= self.lead_answer_threshold:
            problems.append("need lead_clarify_threshold <= lead_answer_threshold")
        if problems:
            raise InvalidThresholds(problems)

    @classmethod
    def of(cls, settings: ThresholdSettings) -> Thresholds:
        """Validated thresholds from a settings object; the margins and lead knobs are optional there."""
        if isinstance(settings, Thresholds):
            return settings
        optional = ("answer_margin", "lead_margin", "lead_answer_threshold", "lead_clarify_threshold")
        return cls(
            answer_threshold=settings.answer_threshold,
            clarify_threshold=settings.clarify_threshold,
            clarify_max_options=settings.clarify_max_options,
            **{name: getattr(settings, name, getattr(cls, name)) for name in optional},
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
    if not ranked:
        return Decision(Action.ESCALATE, (), Reason.NO_MATCH)
    best, lead = ranked[0].score, lead_of(ranked)
    options = tuple(ranked[: thresholds.clarify_max_options])
    far_ahead = len(ranked) > 1 and lead >= thresholds.lead_margin  # a lead needs a rival to lead
    if best < thresholds.clarify_threshold:
        if far_ahead and best >= thresholds.lead_clarify_threshold:
            return Decision(Action.CLARIFY, options, Reason.CLEAR_LEAD)
        return Decision(Action.ESCALATE, tuple(ranked), Reason.NO_MATCH)
    good_enough = best >= thresholds.answer_threshold
    if good_enough and lead >= thresholds.answer_margin:
        return Decision(Action.ANSWER, (ranked[0],), Reason.CONFIDENT)
    if far_ahead and best >= thresholds.lead_answer_threshold:
        return Decision(Action.ANSWER, (ranked[0],), Reason.CLEAR_LEAD)
    return Decision(Action.CLARIFY, options, Reason.AMBIGUOUS if good_enough else Reason.LOW_CONFIDENCE)


def lead_of(ranked: Sequence[Candidate]) -> float:
    """How far the best of ``ranked`` (best first) is ahead of the runner-up (its score when alone)."""
    if not ranked:
        return 0.0
    return ranked[0].score - (ranked[1].score if len(ranked) > 1 else 0.0)
