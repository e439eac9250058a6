"""The knowledge-base gap view: questions the bot could not answer, grouped by meaning, largest group first.

A question is the customer's message that ended with a person for one of :data:`KB_GAP_REASONS`
(the knowledge base had no good enough answer, or its answer did not help). Questions are
embedded (the gateway passes the knowledge base's sentence model) and grouped greedily: each
question joins the group whose centre is most similar, if the cosine similarity reaches
``threshold``, or starts a new group. Without an embedder, identical questions (case and
punctuation aside) are grouped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session as SqlSession

from outcomes.metrics import Period, as_utc
from outcomes.models import ConversationRecord, EscalationReason

Embed = Callable[[list[str]], np.ndarray]
KB_GAP_REASONS = (EscalationReason.LOW_CONFIDENCE, EscalationReason.REPEATED_FALLBACK, EscalationReason.NOT_HELPFUL)
DEFAULT_THRESHOLD = 0.6
MAX_QUESTIONS = 5000  # the newest ones; a month of a busy service
EXAMPLES = 5


@dataclass(frozen=True)
class Question:
    """One unanswered question (stored redacted) and why it went to a person."""

    text: str
    reason: str
    asked_at: datetime
    session_id: str


@dataclass(frozen=True)
class GapCluster:
    """Similar unanswered questions; ``label`` is the one closest to the group's centre."""

    size: int
    label: str
    examples: list[str]
    reasons: dict[str, int]
    last_asked: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def unanswered_questions(engine: Engine, period: Period,
                         reasons: Sequence[str] = KB_GAP_REASONS) -> list[Question]:
    """The period's escalated questions for ``reasons``, newest first (at most MAX_QUESTIONS)."""
    query = (
        select(ConversationRecord.escalation_question, ConversationRecord.escalation_reason,
               ConversationRecord.started_at, ConversationRecord.session_id)
        .where(*period.filters(), ConversationRecord.escalation_reason.in_([str(r) for r in reasons]),
               ConversationRecord.escalation_question.is_not(None))
        .order_by(ConversationRecord.started_at.desc())
        .limit(MAX_QUESTIONS)
    )
    with SqlSession(engine) as db:
        return [Question(text or "", reason or "", as_utc(at), sid) for text, reason, at, sid in db.execute(query)]


def cluster_questions(questions: Sequence[Question], embed: Embed | None = None,
                      threshold: float = DEFAULT_THRESHOLD) -> list[GapCluster]:
    """Group ``questions`` by meaning (or by normalised text without ``embed``), largest group first."""
    if not questions:
        return []
    if embed is None:
        clusters = [_cluster(questions, members) for members in _group_by_text(questions)]
    else:
        vectors = _embed_in_batches(embed, [q.text for q in questions])
        groups, centres = _group_by_vector(vectors, threshold)
        clusters = [_cluster(questions, sorted(members, key=lambda i: -float(vectors[i] @ centre)))
                    for members, centre in zip(groups, centres, strict=True)]
    return sorted(clusters, key=lambda c: (-c.size, c.label))


def knowledge_gaps(engine: Engine, period: Period, embed: Embed | None = None,
                   reasons: Sequence[str] = KB_GAP_REASONS, threshold: float = DEFAULT_THRESHOLD,
                   limit: int | None = None) -> list[GapCluster]:
    """The gap clusters of ``period``, largest first, at most ``limit`` of them."""
    clusters = cluster_questions(unanswered_questions(engine, period, reasons), embed, threshold)
    return clusters[:limit] if limit else clusters


def _embed_in_batches(embed: Embed, texts: list[str], batch: int = 64) -> np.ndarray:
    """Embed a few texts at a time: the model is shared with live answers, which must not wait long."""
    return np.vstack([embed(texts[i:i + batch]) for i in range(0, len(texts), batch)])


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _group_by_text(questions: Sequence[Question]) -> list[list[int]]:
    groups: dict[str, list[int]] = {}
    for i, question in enumerate(questions):
        groups.setdefault(_normalise(question.text), []).append(i)
    return list(groups.values())


def _group_by_vector(vectors: np.ndarray, threshold: float) -> tuple[list[list[int]], list[np.ndarray]]:
    """Greedy centroid grouping of unit vectors; returns the member indexes and each group's centre."""
    groups: list[list[int]] = []
    sums: list[np.ndarray] = []
    centres = np.zeros((0, vectors.shape[1]), dtype=np.float32)
    for i, vector in enumerate(vectors):
        scores = centres @ vector if len(groups) else np.zeros(0)
        best = int(np.argmax(scores)) if len(scores) else -1
        if best >= 0 and scores[best] >= threshold:
            groups[best].append(i)
            sums[best] = sums[best] + vector
            centres[best] = sums[best] / np.linalg.norm(sums[best])
        else:
            groups.append([i])
            sums.append(vector.astype(np.float32))
            centres = np.vstack([centres, vector[None, :]])
    return groups, list(centres)


def _cluster(questions: Sequence[Question], members: list[int]) -> GapCluster:
    """A cluster's summary; ``members`` come most typical first (closest to the centre)."""
    texts = list(dict.fromkeys(questions[i].text for i in members))  # distinct, in order
    return GapCluster(
        size=len(members), label=texts[0], examples=texts[:EXAMPLES],
        reasons=dict(Counter(questions[i].reason for i in members).most_common()),
        last_asked=max(questions[i].asked_at for i in members).isoformat(),
    )
