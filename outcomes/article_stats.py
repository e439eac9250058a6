"""How each knowledge-base article fared in a period's conversations, so the content team finds the ones that fail.

Read from what the outcome record keeps of every conversation (docs/metrics.md, "Per-article figures"):

- ``answered``: conversations in which the bot answered with the article, directly or picked from a
  "Did you mean…?" menu (``ConversationRecord.articles``: each article once per conversation);
- ``rated_helpful`` / ``rated_unhelpful``: of those, the customer rated the conversation 4-5, or rated it
  1-3 or said "no, that didn't help" right after this answer (the handover for ``not_helpful``);
- ``escalated``: a person took over after this answer: the conversation was handed over (asked for a
  person, or the bot handed over) and this was the bot's last answer before it. A handover because the
  bot itself was down is not the article's doing and is left out.

A "yes, that helped" typed after an answer is not part of the record (only its text is, in the
transcript), so helpful counts come from the rating.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session as SqlSession

from outcomes.metrics import SATISFIED_FROM, Period, rate
from outcomes.models import ConversationRecord, EscalationReason

NOT_THE_ARTICLES_DOING = frozenset({EscalationReason.BOT_UNAVAILABLE.value})


class Answered(Protocol):
    """What the figures read of a conversation's record (a whole record, or just these columns)."""

    articles: list[str] | None
    escalation_reason: str | None
    csat: int | None


@dataclass
class ArticleFigures:
    """One article's figures in a period (counts of conversations)."""

    article_id: str
    answered: int = 0
    rated_helpful: int = 0
    rated_unhelpful: int = 0
    escalated: int = 0
    failed: int = 0  # rated unhelpful or escalated (each conversation once)
    escalation_reasons: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {"article_id": self.article_id, "answered": self.answered, "rated_helpful": self.rated_helpful,
                "rated_unhelpful": self.rated_unhelpful, "escalated": self.escalated, "failed": self.failed,
                "failure_rate": rate(self.failed, self.answered),
                "escalation_rate": rate(self.escalated, self.answered),
                "escalation_reasons": dict(self.escalation_reasons.most_common())}


def _verdict(record: Answered, article_id: str, last: bool) -> tuple[bool, bool, bool]:
    """(rated helpful, rated unhelpful, escalated after it) for one article of one conversation."""
    reason = record.escalation_reason or ""
    escalated = last and bool(reason) and reason not in NOT_THE_ARTICLES_DOING
    said_no = last and reason == EscalationReason.NOT_HELPFUL
    rated = record.csat
    helpful = rated is not None and rated >= SATISFIED_FROM and not said_no
    unhelpful = said_no or (rated is not None and rated < SATISFIED_FROM)
    return helpful, unhelpful, escalated


def tally(records: Iterable[Answered]) -> dict[str, ArticleFigures]:
    """Every answered article's figures over ``records``."""
    figures: dict[str, ArticleFigures] = defaultdict(lambda: ArticleFigures(""))
    for record in records:
        answered = list(dict.fromkeys(record.articles or []))
        for position, article_id in enumerate(answered):
            helpful, unhelpful, escalated = _verdict(record, article_id, position == len(answered) - 1)
            entry = figures[article_id]
            entry.article_id = article_id
            entry.answered += 1
            entry.rated_helpful += helpful
            entry.rated_unhelpful += unhelpful
            entry.escalated += escalated
            entry.failed += unhelpful or escalated
            if escalated:
                entry.escalation_reasons[record.escalation_reason or ""] += 1
    return dict(figures)


def article_statistics(engine: Engine, period: Period, known: Sequence[str] = ()) -> list[ArticleFigures]:
    """The period's figures per article, most failures first; ``known`` articles nobody was answered with
    are listed too (with zeros), so an article the bot never uses shows up."""
    figures = tally(_answered(engine, period))
    for article_id in known:
        figures.setdefault(article_id, ArticleFigures(article_id))
    return sorted(figures.values(), key=lambda f: (-f.failed, -f.answered, f.article_id))


def _answered(engine: Engine, period: Period) -> list[Answered]:
    """The period's records, only the columns the figures read (a busy month is tens of thousands of rows);
    the label, as for every figure, is matched in Python (outcomes.metrics.conversation_rows says why)."""
    columns = (ConversationRecord.articles, ConversationRecord.escalation_reason, ConversationRecord.csat,
               ConversationRecord.labels)
    with SqlSession(engine) as db:
        rows = db.execute(select(*columns).where(*period.filters())).all()
    label = period.conversation_label
    return [row for row in rows if label is None or label in (row.labels or [])]
