"""The knowledge-gap view: unanswered questions grouped by meaning, largest group first."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import Engine

from outcomes import EscalationReason, OutcomeRecorder, Period, knowledge_gaps
from tests.outcomes.factories import Script, record

START = datetime(2026, 10, 1, tzinfo=UTC)
PERIOD = Period(START, START + timedelta(days=30))
TOPICS = {"zigbee": "zigbee", "thread": "thread", "refund": "refund"}


def topic_embed(texts: list[str]) -> np.ndarray:
    """A stand-in embedder: texts sharing a topic word point the same way (MiniLM is used by the gateway)."""
    vectors = np.zeros((len(texts), 16), dtype=np.float32)
    for row, text in enumerate(texts):
        words = [w for w in text.lower().replace("?", "").split() if w in TOPICS] or [text]
        vectors[row, zlib.crc32(words[0].encode()) % 16] = 1.0
    return vectors


@pytest.fixture
def questions(recorder: OutcomeRecorder) -> None:
    asked = [
        ("Does the hub support Zigbee?", EscalationReason.LOW_CONFIDENCE),
        ("zigbee bulbs from another brand?", EscalationReason.LOW_CONFIDENCE),
        ("Can I use Zigbee switches", EscalationReason.NOT_HELPFUL),
        ("Is Thread supported?", EscalationReason.LOW_CONFIDENCE),
        ("thread border router?", EscalationReason.REPEATED_FALLBACK),
        ("I want a refund", EscalationReason.CUSTOMER_REQUEST),
        ("refund for the hub", EscalationReason.THIRD_PARTY),
    ]
    for n, (question, reason) in enumerate(asked):
        record(recorder, Script(start=START + timedelta(hours=n), article=None, question=question, reason=reason,
                                queued_after=2, ended_after=30))


@pytest.mark.integration
def test_similar_questions_form_groups_largest_first(engine: Engine, questions: None) -> None:
    clusters = knowledge_gaps(engine, PERIOD, topic_embed)
    assert [(c.size, c.reasons) for c in clusters] == [
        (3, {"low_confidence": 2, "not_helpful": 1}), (2, {"low_confidence": 1, "repeated_fallback": 1})]
    assert set(clusters[0].examples) == {"Does the hub support Zigbee?", "zigbee bulbs from another brand?",
                                         "Can I use Zigbee switches"}


@pytest.mark.integration
def test_only_the_reasons_asked_for_are_grouped(engine: Engine, questions: None) -> None:
    reasons = [EscalationReason.CUSTOMER_REQUEST, EscalationReason.THIRD_PARTY]
    clusters = knowledge_gaps(engine, PERIOD, topic_embed, reasons=reasons)
    assert [c.size for c in clusters] == [2]


@pytest.mark.integration
def test_without_an_embedder_identical_questions_are_grouped(engine: Engine, recorder: OutcomeRecorder) -> None:
    for n, question in enumerate(["Is Thread supported?", "is thread supported", "Zigbee?"]):
        record(recorder, Script(start=START + timedelta(hours=n), article=None, question=question,
                                reason=EscalationReason.LOW_CONFIDENCE, queued_after=2))
    assert [c.size for c in knowledge_gaps(engine, PERIOD)] == [2, 1]
