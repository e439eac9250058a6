"""Routing: one decision per customer message (answer, clarify, small talk, hand over), and why.

Public surface: :func:`route` over :class:`Signals` with a :class:`Policy`, giving a
:class:`Route` (its ``why()`` is the record agents and admins see), :func:`best_per_article`
to merge several searches, :func:`readings`, the texts a message is searched with, and
:func:`signals_of`, the one recipe for a parsed message's signals (live bot and preview alike).
"""

from routing.decision import Intent, Policy, Route, Signals, Step, best_per_article, covers, route
from routing.signals import Search, entity_values, intents_of, signals_of
from routing.wording import normalise_spelling, order_problem, question_sentences, readings, strip_greeting

__all__ = [
    "Intent",
    "Policy",
    "Route",
    "Search",
    "Signals",
    "Step",
    "best_per_article",
    "covers",
    "entity_values",
    "intents_of",
    "normalise_spelling",
    "order_problem",
    "question_sentences",
    "readings",
    "route",
    "signals_of",
    "strip_greeting",
]
