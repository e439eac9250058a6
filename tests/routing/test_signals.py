"""One recipe for a parsed message's signals, whoever asks (the live bot, the preview)."""

from __future__ import annotations

import pytest

from knowledge_base import Candidate
from routing import Intent, signals_of

pytestmark = pytest.mark.unit

PARSED = {
    "text": "Hi there! The motion sensor wasn't in the box. Can you send one?",
    "intent": {"name": "product_question", "confidence": 0.7},
    "intent_ranking": [{"name": "product_question", "confidence": 0.7}, {"name": "out_of_scope", "confidence": 0.2}],
    "entities": [{"entity": "product", "value": "Lumen Motion Sensor"}, {"entity": "brand", "value": "Alexa"},
                 {"entity": "product", "value": "Lumen Motion Sensor"}],
}


def scores_by_length(reading: str) -> list[Candidate]:
    """A stand-in index: one article, scored higher the shorter the reading (so the best reading shows)."""
    return [Candidate("order-damaged-missing", "Damaged or missing", "Body", "Orders & Shipping", 1 / len(reading))]


def test_signals_carry_the_ranking_entities_and_each_articles_best_score_over_the_readings() -> None:
    searched: list[str] = []

    def search(reading: str) -> list[Candidate]:
        searched.append(reading)
        return scores_by_length(reading)

    signals = signals_of(PARSED, search)

    assert signals.intents == (Intent("product_question", 0.7), Intent("out_of_scope", 0.2))
    assert (signals.products, signals.brands) == (("Lumen Motion Sensor",), ("Alexa",))
    assert signals.order_problem and signals.has_question and not signals.rephrased
    assert "Hi there" not in searched[0] and len(searched) >= 3  # greeting-free whole, question, complaint
    assert [c.score for c in signals.candidates] == [max(1 / len(r) for r in searched)]


def test_a_greeting_alone_searches_nothing() -> None:
    signals = signals_of({"text": "hello!", "intent": {"name": "greet", "confidence": 0.99}}, scores_by_length,
                         rephrased=True)

    assert (signals.has_question, signals.candidates, signals.rephrased) == (False, (), True)
    assert signals.intents == (Intent("greet", 0.99),)
