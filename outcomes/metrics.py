"""Service figures computed from the outcome records."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session as SqlSession

from outcomes.models import ConversationRecord, Outcome

FIRST_RESPONSE_TARGET_S = 30.0


@dataclass(frozen=True)
class Summary:
    """Counts by outcome and the headline rates for a period."""

    conversations: int
    by_outcome: dict[str, int]
    resolution_rate: float | None
    containment: float | None
    escalation_rate: float | None
    first_response_within_target: float | None

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def summarize(engine: Engine, since: datetime | None = None, until: datetime | None = None) -> Summary:
    """Resolution rate = (bot + agent resolved) / all; containment = bot resolved / all."""
    filters = []
    if since is not None:
        filters.append(ConversationRecord.ended_at >= since)
    if until is not None:
        filters.append(ConversationRecord.ended_at < until)
    with SqlSession(engine) as db:
        rows = db.execute(
            select(ConversationRecord.outcome, func.count()).where(*filters).group_by(ConversationRecord.outcome)
        ).all()
        responded = db.execute(
            select(
                func.count(ConversationRecord.first_response_s),
                func.count().filter(ConversationRecord.first_response_s <= FIRST_RESPONSE_TARGET_S),
                func.count().filter(ConversationRecord.escalation_reason.is_not(None)),
            ).where(*filters)
        ).one()
    by_outcome = {o.value: 0 for o in Outcome} | {outcome: count for outcome, count in rows}
    total = sum(by_outcome.values())
    resolved = by_outcome[Outcome.BOT_RESOLVED] + by_outcome[Outcome.AGENT_RESOLVED]
    return Summary(
        conversations=total,
        by_outcome=by_outcome,
        resolution_rate=_rate(resolved, total),
        containment=_rate(by_outcome[Outcome.BOT_RESOLVED], total),
        escalation_rate=_rate(responded[2], total),
        first_response_within_target=_rate(responded[1], responded[0]),
    )
