"""Gathering a message's :class:`~routing.decision.Signals`: one recipe for the live bot and the preview.

The live bot (Rasa's action, ``actions/knowledge_base_actions.py``) and every place that asks
"what would the bot do with this?" (the content team's preview, the retraining gate) must see
the message the same way, or the preview stops telling the truth. So both hand this module
Rasa's parse data (``tracker.latest_message``, or the body of ``POST /model/parse``) and a
knowledge-base search, and get the same signals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from knowledge_base import Candidate
from routing.decision import Intent, Signals, best_per_article
from routing.wording import order_problem, readings

Search = Callable[[str], Sequence[Candidate]]


def intents_of(parse_data: Mapping[str, Any]) -> tuple[Intent, ...]:
    """Rasa's intent ranking (best first), or the single intent when there is no ranking."""
    ranking = parse_data.get("intent_ranking") or [parse_data.get("intent") or {}]
    return tuple(Intent(str(i["name"]), float(i.get("confidence") or 0.0)) for i in ranking if i.get("name"))


def entity_values(parse_data: Mapping[str, Any], entity: str) -> tuple[str, ...]:
    """The distinct values of one entity in the message, in order of appearance."""
    values = (str(e.get("value")) for e in parse_data.get("entities") or [] if e.get("entity") == entity)
    return tuple(dict.fromkeys(value for value in values if value))


def signals_of(parse_data: Mapping[str, Any], search: Search, *, rephrased: bool = False) -> Signals:
    """The signals of one parsed message; ``search`` runs once per reading of its text.

    ``rephrased``: the bot asked to rephrase the previous message (only a live conversation knows).
    """
    text = str(parse_data.get("text") or "")
    texts = readings(text)
    return Signals(intents=intents_of(parse_data), products=entity_values(parse_data, "product"),
                   brands=entity_values(parse_data, "brand"),
                   candidates=best_per_article([search(reading) for reading in texts]),
                   has_question=bool(texts), rephrased=rephrased, order_problem=bool(order_problem(text)))
