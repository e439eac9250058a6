"""The routing decision: what the bot does with one customer message, from everything it knows.

This module is the one place that owns that choice. :func:`route` is a pure function of the
:class:`Signals` (the classifier's ranking, the entities, the knowledge base's candidates) and
the :class:`Policy`; it returns a :class:`Route` that says what to do and which rule decided.
The rules, in the order they are tried (each is one small function below, named in ``rule``):

1. ``person_requested`` — the customer asked for a person: hand over (``customer_request``).
2. ``greeting_only`` — nothing but a greeting or small talk: small talk.
3. ``other_brand`` — positive evidence of another company's product: a brand is named, none of
   ours is, the best article does not cover that brand, and either the knowledge base is not confident
   or the classifier agrees it is third party / out of scope: hand over (``third_party``). An
   integration article that names the brand (Alexa, Google Home) is ours and keeps the message.
4. ``covered_brand`` — a brand is named and a close article of ours covers it (names it), but the
   knowledge base is not confident: offer that article first ("Did you mean...?"), even below
   ``clarify_threshold`` (from ``brand_clarify``) or behind a generic article.
5. ``order_problem`` — a complaint about a delivery ("missing from the box", "arrived broken"):
   the order articles alone are decided between, so the product's how-to article does not win.
6. ``confident_article`` — the knowledge base is confident (:func:`knowledge_base.decide`
   answers): answer, *whatever the classifier said*; a confident match to one of our own
   articles is not thrown away because the classifier said third party or out of scope.
   ``uncorroborated`` — unless the answer scores below ``corroborate_below`` and another article
   beats it on both of what the articles *say* (their bodies and their words, :func:`corroborated`):
   then "Did you mean...?" with the closest articles (also for rule 8).
7. ``classifier_veto`` — the classifier is sure it is third party / out of scope (at least
   ``veto_confidence``) and the best article is not even close (below ``veto_clarify``): hand
   over with the classifier's reason — unless one article is far ahead of every other (the
   knowledge base's ``clear_lead``): short fragments ("yearly price", "return label") read as
   off-topic to the classifier but match one article clearly.
8. ``leading_article`` — one article is far ahead of every other (``lead_margin``) at a score
   below the knowledge base's own lead bar (from ``lead_answer``) and the classifier does not say
   third party / out of scope: answer it (customers' own words score low, but still far ahead).
9. ``close_articles`` — the knowledge base has candidates worth offering: "Did you mean...?".
10. ``product_question`` — the classifier thinks (``product_confidence``) the message asks about
   our products and the best article scores ``product_clarify``: offer the closest articles rather
   than a queue (customers' own words score below the knowledge base's bar).
11. ``chit_chat`` — a greeting the knowledge base has nothing for: small talk.
12. ``classifier_reason`` — third party / out of scope as the classifier said, nothing to offer.
13. ``rephrase_first`` / ``repeated_fallback`` — the classifier was unsure and nothing matched:
   ask to rephrase once (two-stage fallback), hand over the second time in a row.
14. ``no_article`` — a question the knowledge base cannot answer: hand over (``low_confidence``).

:meth:`Route.why` is the record of the decision that goes with the escalation (agent console)
and the review item (admin page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from knowledge_base import Action as KbAction
from knowledge_base import Candidate, Thresholds
from knowledge_base import Reason as KbReason
from knowledge_base import decide as kb_decide
from knowledge_base.decision import lead_of
from outcomes.models import EscalationReason

FALLBACK_INTENT = "nlu_fallback"
PERSON_INTENT = "request_human"
PRODUCT_INTENT = "product_question"
SMALL_TALK_INTENTS = frozenset({"greet", "thanks", "goodbye"})
VETO_REASONS = {"third_party_question": EscalationReason.THIRD_PARTY, "out_of_scope": EscalationReason.OUT_OF_SCOPE}
SHOWN_INTENTS = 3
SHOWN_CANDIDATES = 3
#: The retrieval signals that read what an article says, not how its questions are worded
#: (:mod:`knowledge_base.retrieval`): MiniLM over the body, BM25 over every word.
CONTENT_SIGNALS = ("body", "lexical")


class Step(StrEnum):
    """What the bot does next."""

    ANSWER = "answer"
    CLARIFY = "clarify"
    HAND_OVER = "hand_over"
    SMALL_TALK = "small_talk"
    REPHRASE = "rephrase"  # ask once to say it in other words (the first miss of a two-stage fallback)


@dataclass(frozen=True)
class Intent:
    """One line of the classifier's ranking."""

    name: str
    confidence: float


@dataclass(frozen=True)
class Signals:
    """Everything known about one customer message when the bot decides.

    ``intents`` is the classifier's ranking, best first (Rasa's ``intent_ranking``; the
    ``nlu_fallback`` line, if any, only says the classifier was unsure). ``products`` and
    ``brands`` are entity values (ours and other companies'). ``candidates`` are the knowledge
    base's, any order. ``has_question`` is False when the message was only a greeting or small
    talk (:func:`routing.wording.readings` found nothing to search). ``rephrased`` says the bot
    asked to rephrase the previous message. ``order_problem``: the message complains about a
    delivery ("the bulb was missing from the box").
    """

    intents: tuple[Intent, ...]
    products: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = ()
    has_question: bool = True
    rephrased: bool = False
    order_problem: bool = False  # a complaint about a delivery (:func:`routing.wording.order_problem`)

    @property
    def unsure(self) -> bool:
        """Whether the classifier fell back (its best confidence was below Rasa's threshold)."""
        return bool(self.intents) and self.intents[0].name == FALLBACK_INTENT

    @property
    def top(self) -> Intent:
        """The best real intent (past ``nlu_fallback``), or an empty one."""
        return next((i for i in self.intents if i.name != FALLBACK_INTENT), Intent("", 0.0))

    def ranked(self) -> list[Candidate]:
        """The candidates, best first."""
        return sorted(self.candidates, key=lambda candidate: candidate.score, reverse=True)


@dataclass(frozen=True)
class Policy:
    """The knobs: the knowledge base's thresholds plus the classifier's say over them."""

    thresholds: Thresholds = field(default_factory=Thresholds)
    veto_confidence: float = 0.80  # the classifier is sure it is third party / out of scope...
    veto_clarify: float = 0.56  # ...and no article scores this much: no "Did you mean...?"
    person_confidence: float = 0.30  # "a person, please" counts even when the classifier is unsure
    order_topic: str = "Orders & Shipping"  # the ``product`` of the articles about orders and deliveries
    brand_clarify: float = 0.38  # an article naming the customer's brand is offered from this score
    product_confidence: float = 0.50  # the classifier thinks it is a question about our products...
    product_clarify: float = 0.42  # ...so the closest articles are offered from this score
    lead_answer: float = 0.38  # an article this close and ``thresholds.lead_margin`` ahead of every other is answered
    corroborate_below: float = 0.80  # an answer scoring less must be the best on its body or its words


@dataclass(frozen=True)
class Route:
    """What to do, the articles that go with it, the escalation reason, and the rule that fired."""

    step: Step
    rule: str
    signals: Signals
    candidates: tuple[Candidate, ...] = ()
    reason: EscalationReason | None = None
    brand: str = ""

    def why(self) -> dict[str, Any]:
        """The signals behind the decision, as plain data for the agent console and review queue."""
        return {
            "rule": self.rule,
            "step": self.step.value,
            "reason": self.reason.value if self.reason else None,
            "intents": [[i.name, round(i.confidence, 3)] for i in self.signals.intents[:SHOWN_INTENTS]],
            "entities": {"product": list(self.signals.products), "brand": list(self.signals.brands)},
            "candidates": [[c.article_id, round(c.score, 3)] for c in self.signals.ranked()[:SHOWN_CANDIDATES]],
        }


def route(signals: Signals, policy: Policy) -> Route:
    """Decide what the bot does with one message (the rules are in the module docstring)."""
    kb = kb_decide(signals.candidates, policy.thresholds)
    confident = kb.action is KbAction.ANSWER
    decided = (_person_requested(signals, policy) or _greeting_only(signals)
               or _brand_named(signals, policy, confident) or _order_problem(signals, policy))
    if decided is not None:
        return decided
    if confident:
        return _unless_uncorroborated(Route(Step.ANSWER, "confident_article", signals, kb.candidates), policy)
    veto = VETO_REASONS.get(signals.top.name) if not signals.unsure else None
    best = signals.ranked()[0].score if signals.candidates else 0.0
    far_ahead = kb.reason is KbReason.CLEAR_LEAD  # one article far ahead of the rest outweighs the veto
    if veto and signals.top.confidence >= policy.veto_confidence and best < policy.veto_clarify and not far_ahead:
        return Route(Step.HAND_OVER, "classifier_veto", signals, reason=veto, brand=_first(signals.brands))
    leading = _leading_article(signals, policy, veto)
    if leading is not None:
        return _unless_uncorroborated(leading, policy)
    if kb.action is KbAction.CLARIFY:
        return Route(Step.CLARIFY, "close_articles", signals, kb.candidates)
    return _product_question(signals, policy) or _nothing_to_offer(signals, veto)


def _person_requested(signals: Signals, policy: Policy) -> Route | None:
    if signals.top.name == PERSON_INTENT and signals.top.confidence >= policy.person_confidence:
        return Route(Step.HAND_OVER, "person_requested", signals, reason=EscalationReason.CUSTOMER_REQUEST)
    return None


def _greeting_only(signals: Signals) -> Route | None:
    return None if signals.has_question else Route(Step.SMALL_TALK, "greeting_only", signals)


def _brand_named(signals: Signals, policy: Policy, confident: bool) -> Route | None:
    """A brand is named: offer the article of ours that covers it, or hand over as third party.

    - ``covered_brand``: a close article names the brand (:func:`covering`) and the knowledge base is
      not confident: offer it first, even below the usual bar or behind a generic article ("the matter
      code for apple home expired" finds the Apple Home article at a score that would hand a plain
      question over; the brand is evidence the customer means that article).
    - ``other_brand``: no close article names it and none of our products is named: hand over, unless
      a confident article wins — and it does not when the classifier, too, says third party or out of
      scope ("how do I change my Netflix password" finds our password article, not about Netflix).
    """
    if not signals.brands:
        return None
    found = covering(signals, policy)
    if found is not None:
        if confident:
            return None
        others = [c for c in signals.ranked() if c.article_id != found.article_id]
        return Route(Step.CLARIFY, "covered_brand", signals,
                     (found, *others)[: policy.thresholds.clarify_max_options])
    if signals.products or (confident and (signals.unsure or signals.top.name not in VETO_REASONS)):
        return None
    return Route(Step.HAND_OVER, "other_brand", signals, reason=EscalationReason.THIRD_PARTY,
                 brand=signals.brands[0])


def covering(signals: Signals, policy: Policy) -> Candidate | None:
    """The best close article that names one of the message's brands (an integration of ours), if any.

    The best article counts from ``brand_clarify`` up. A runner-up counts only when the classifier
    does not itself call the message third party or out of scope: "reset my iPhone" finds the
    app-install article (which names the iPhone) behind the reset articles; it is not about the iPhone.
    """
    ranked = signals.ranked()[: policy.thresholds.clarify_max_options]
    classifier_vetoes = not signals.unsure and signals.top.name in VETO_REASONS
    for place, candidate in enumerate(ranked):
        if place > 0 and classifier_vetoes:
            break
        if candidate.score >= policy.brand_clarify and covers(candidate, signals.brands):
            return candidate
    return None


def _order_problem(signals: Signals, policy: Policy) -> Route | None:
    """A delivery complaint goes to the order articles, not to the how-to of the product it names."""
    if not signals.order_problem:
        return None
    orders = [c for c in signals.candidates if c.product == policy.order_topic]
    decided = kb_decide(orders, policy.thresholds)
    if decided.action is KbAction.ANSWER:
        return Route(Step.ANSWER, "order_problem", signals, decided.candidates)
    if decided.action is KbAction.CLARIFY:
        return Route(Step.CLARIFY, "order_problem", signals, decided.candidates)
    return None


def _product_question(signals: Signals, policy: Policy) -> Route | None:
    """The classifier thinks the message asks about our products: the closest articles are offered a little lower.

    Customers' own words ("max devices per bridge") score below the knowledge base's bar against
    the right article; when the classifier, trained on what customers ask about our products, is
    sure that this is such a question, "Did you mean...?" serves them better than a queue.
    """
    ranked = signals.ranked()
    if signals.unsure or signals.top.name != PRODUCT_INTENT or signals.top.confidence < policy.product_confidence:
        return None
    if not ranked or ranked[0].score < policy.product_clarify:
        return None
    return Route(Step.CLARIFY, "product_question", signals, tuple(ranked[: policy.thresholds.clarify_max_options]))


def _leading_article(signals: Signals, policy: Policy, veto: EscalationReason | None) -> Route | None:
    """One article far ahead of every other, a little below the knowledge base's own bar: answer it.

    Customers' own words score lower against the right article than curated phrasings do, but
    the right article is then still far ahead of the rest ("yearly price": the Plus pricing
    article at 0.48, the next at 0.34); a question no article answers has no such leader.
    """
    ranked = signals.ranked()
    if veto or len(ranked) < 2 or ranked[0].score < policy.lead_answer:
        return None
    if lead_of(ranked) < policy.thresholds.lead_margin:
        return None
    return Route(Step.ANSWER, "leading_article", signals, (ranked[0],))


def _unless_uncorroborated(answer: Route, policy: Policy) -> Route:
    """An answer below ``corroborate_below`` that another article beats on its body and its words: offer the
    closest articles instead.

    The fused score is mostly how alike the *questions* are (the article's title and phrasings), and
    a sibling article's phrasings look alike: with the right article missing, "how do I set up the
    motion sensor" finds the sensor's reset article at a score right answers get. What the article
    says (its body to MiniLM, its words to BM25) then often favours another article; when neither
    favours the answer, "Did you mean...?" costs a right answer one click and spares a wrong one
    (benchmarks/replay.py: missing-article wrong answers 38 -> 28 of 162 on the tuning half, two
    right answers became menus).
    """
    best = answer.candidates[0]
    if best.score >= policy.corroborate_below or corroborated(best, answer.signals.candidates):
        return answer
    return Route(Step.CLARIFY, "uncorroborated", answer.signals,
                 tuple(answer.signals.ranked()[: policy.thresholds.clarify_max_options]))


def corroborated(best: Candidate, candidates: Iterable[Candidate]) -> bool:
    """Whether ``best`` is at least as good as every other candidate on one of :data:`CONTENT_SIGNALS`."""
    others = [c for c in candidates if c.article_id != best.article_id]
    return not others or any(best.signals.get(name, 0.0) >= max(c.signals.get(name, 0.0) for c in others)
                             for name in CONTENT_SIGNALS)


def _nothing_to_offer(signals: Signals, veto: EscalationReason | None) -> Route:
    if signals.top.name in SMALL_TALK_INTENTS and not signals.unsure:
        return Route(Step.SMALL_TALK, "chit_chat", signals)
    if veto:
        return Route(Step.HAND_OVER, "classifier_reason", signals, reason=veto, brand=_first(signals.brands))
    if signals.unsure and not signals.rephrased:
        return Route(Step.REPHRASE, "rephrase_first", signals)
    if signals.unsure:
        return Route(Step.HAND_OVER, "repeated_fallback", signals, reason=EscalationReason.REPEATED_FALLBACK)
    return Route(Step.HAND_OVER, "no_article", signals, reason=EscalationReason.LOW_CONFIDENCE)


def covers(candidate: Candidate, brands: Iterable[str]) -> bool:
    """Whether an article is about one of the brands (names it in its title or body): an integration of ours."""
    text = f"{candidate.title} {candidate.body}"
    return any(re.search(rf"\b{re.escape(brand)}\b", text, re.IGNORECASE) for brand in brands if brand)


def best_per_article(searches: Sequence[Sequence[Candidate]]) -> tuple[Candidate, ...]:
    """Merge the candidates of several searches of one message: each article at its best score."""
    best: dict[str, Candidate] = {}
    for candidates in searches:
        for candidate in candidates:
            if candidate.article_id not in best or candidate.score > best[candidate.article_id].score:
                best[candidate.article_id] = candidate
    return tuple(sorted(best.values(), key=lambda candidate: candidate.score, reverse=True))


def _first(values: Sequence[str]) -> str:
    return values[0] if values else ""
