"""Routing: one decision per customer message (answer, clarify, small talk, hand over), and why.

Public surface: :func:`route` over :class:`Signals` with a :class:`Policy`, giving a
:class:`Route` (its ``why()`` is the record agents and admins see), :func:`best_per_article`
to merge several searches, and :func:`readings`, the texts a message is searched with.
"""

from routing.decision import Intent, Policy, Route, Signals, Step, best_per_article, covers, route
from routing.wording import normalise_spelling, order_problem, question_sentences, readings, strip_greeting

__all__ = [
    "Intent",
    "Policy",
    "Route",
    "Signals",
    "Step",
    "best_per_article",
    "covers",
    "normalise_spelling",
    "order_problem",
    "question_sentences",
    "readings",
    "route",
    "strip_greeting",
]
