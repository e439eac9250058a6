"""Service figures for a period, computed from the outcome records (docs/metrics.md defines each one).

A conversation belongs to the period in which it *started*. Figures are computed in Python from
the period's rows (a month of a busy service is some tens of thousands of small rows), so
SQLite and PostgreSQL give the same answer, percentiles included.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Engine, select
from sqlalchemy.orm import Session as SqlSession

from outcomes.errors import InvalidPeriod
from outcomes.models import ConversationRecord, Outcome

FIRST_RESPONSE_TARGET_S = 30.0
SATISFIED_FROM = 4  # ratings of 4 and 5 count as satisfied
MAX_DAYS_FILLED = 400  # days without conversations are listed as zeros up to this period length


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; naive ones (SQLite hands those back) are taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class Period:
    """``[since, until)`` by start time; either end may be open. ``timezone`` names the local clock.

    ``conversation_label``, when given, keeps only the conversations agents tagged with it (desk.labels).
    """

    since: datetime | None = None
    until: datetime | None = None
    timezone: str = "UTC"
    conversation_label: str | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and as_utc(self.since) >= as_utc(self.until):
            raise InvalidPeriod(self.since, self.until)
        ZoneInfo(self.timezone)  # raises for an unknown zone

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def filters(self) -> list[ColumnElement[bool]]:
        """SQL conditions selecting the conversations that started in the period."""
        conditions: list[ColumnElement[bool]] = []
        if self.since is not None:
            conditions.append(ConversationRecord.started_at >= as_utc(self.since))
        if self.until is not None:
            conditions.append(ConversationRecord.started_at < as_utc(self.until))
        return conditions

    def selects(self, record: ConversationRecord) -> bool:
        """Whether the record passes the label filter (the time filter is SQL: :meth:`filters`)."""
        return self.conversation_label is None or self.conversation_label in (record.labels or [])

    def local(self, moment: datetime) -> datetime:
        """``moment`` on the period's local clock."""
        return as_utc(moment).astimezone(self.zone)

    def first_day(self) -> date | None:
        """The local calendar day the period starts on (None when it has no start)."""
        return self.local(self.since).date() if self.since else None

    def last_day(self) -> date | None:
        """The last local calendar day *in* the period: the end is exclusive, so a period ending at
        midnight ends on the day before (None when it has no end)."""
        return (self.local(self.until) - timedelta(microseconds=1)).date() if self.until else None

    def whole_days(self) -> bool:
        """Whether both ends are local midnights, so the period reads as a run of whole days."""
        return all(self.local(m).time() == time(0) for m in (self.since, self.until) if m is not None)

    def label(self) -> str:
        """How people see the period, the same on the dashboard, in the report and in file names:
        inclusive days ("2026-10-01 – 2026-10-31"), or local times when an end is not a midnight."""
        if self.whole_days():
            first, last = self.first_day(), self.last_day()
            if first and first == last:
                return first.isoformat()
            return f"{first or 'start'} – {last or 'now'}"
        since = self.local(self.since).strftime("%Y-%m-%d %H:%M") if self.since else "start"
        until = self.local(self.until).strftime("%Y-%m-%d %H:%M") if self.until else "now"
        return f"{since} – {until} (end not included)"

    def file_stem(self, prefix: str) -> str:
        """A file name without extension: the prefix, then the first and last day (``all`` when open)."""
        first, last = self.first_day(), self.last_day()
        return f"{prefix}_{first or 'all'}_{last or 'all'}"

    def previous(self) -> Period | None:
        """The period of the same length (in local clock time) just before this one, for comparisons;
        None when an end is open or it would begin before the calendar does."""
        if self.since is None or self.until is None:
            return None
        since, until = self.local(self.since).replace(tzinfo=None), self.local(self.until).replace(tzinfo=None)
        try:
            start = since - (until - since)
        except OverflowError:  # it would start before the year 1: there is nothing before to compare with
            return None
        return Period(start.replace(tzinfo=self.zone), since.replace(tzinfo=self.zone), self.timezone)

    def as_dict(self) -> dict[str, str | None]:
        first, last = self.first_day(), self.last_day()
        return {"since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None, "timezone": self.timezone,
                "first_day": first.isoformat() if first else None, "last_day": last.isoformat() if last else None,
                "label": self.label(), "conversation_label": self.conversation_label}


def rate(part: int, whole: int) -> float | None:
    """``part / whole`` to four decimals, or None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) with linear interpolation, as numpy and PostgreSQL's percentile_cont."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 3)


@dataclass(frozen=True)
class Distribution:
    """Count, median, 95th percentile, mean and maximum of some durations, in seconds."""

    count: int
    median: float | None
    p95: float | None
    mean: float | None
    max: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Distribution:
        if not values:
            return cls(0, None, None, None, None)
        return cls(len(values), percentile(values, 50), percentile(values, 95),
                   round(sum(values) / len(values), 3), round(max(values), 3))


@dataclass(frozen=True)
class FirstResponse:
    """How many conversations got their first reply within the target (see docs/metrics.md)."""

    target_s: float
    counted: int
    within_target: int
    share_within_target: float | None
    unanswered_over_target: int
    times: Distribution


@dataclass(frozen=True)
class Csat:
    """Ratings: CSAT is the share of 4s and 5s among the ratings given."""

    responses: int
    response_rate: float | None
    satisfied: int
    csat: float | None
    mean_score: float | None
    distribution: dict[str, int]


@dataclass(frozen=True)
class AgentFigures:
    """One agent's handled conversations in the period."""

    agent_id: str
    agent_name: str
    conversations: int
    resolved: int
    handling: Distribution
    agent_response: Distribution


@dataclass(frozen=True)
class Billable:
    """What the fees are computed from: all conversations, escalations, and agent-handled sessions."""

    conversations: int
    escalations: int
    technical_support_sessions: int


@dataclass(frozen=True)
class DayVolume:
    date: str
    conversations: int
    by_outcome: dict[str, int]


@dataclass(frozen=True)
class HourVolume:
    hour: int
    conversations: int
    first_response_within_target: float | None


@dataclass(frozen=True)
class ServiceMetrics:
    """Every figure the dashboard and the service report show for one period."""

    period: dict[str, str | None]
    conversations: int
    by_outcome: dict[str, int]
    resolution_rate: float | None
    containment: float | None
    escalation_rate: float | None
    abandonment_rate: float | None
    escalations_by_reason: dict[str, int]
    escalation_rate_by_reason: dict[str, float | None]
    first_response: FirstResponse
    bot_response: Distribution
    agent_response: Distribution
    queue_wait: Distribution
    queue_abandoned: int
    first_agent_reply: Distribution
    handling: Distribution
    csat: Csat
    billable: Billable
    agents: list[AgentFigures] = field(default_factory=list)
    volume_by_day: list[DayVolume] = field(default_factory=list)
    volume_by_hour: list[HourVolume] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


def conversation_rows(engine: Engine, period: Period) -> list[ConversationRecord]:
    """The records of the conversations that started in ``period`` (with its label, if any), oldest first.

    The label is matched here rather than in SQL: JSON containment differs between SQLite and
    PostgreSQL, and the period's rows are read anyway.
    """
    query = select(ConversationRecord).where(*period.filters()).order_by(ConversationRecord.started_at)
    with SqlSession(engine, expire_on_commit=False) as db:
        return [record for record in db.scalars(query) if period.selects(record)]


def labels_used(engine: Engine, period: Period) -> dict[str, int]:
    """How many of the period's conversations carry each label, most used first (the dashboard's filter)."""
    everything = replace(period, conversation_label=None)
    counts = Counter(label for record in conversation_rows(engine, everything) for label in record.labels or [])
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def summarize(engine: Engine, period: Period | None = None,
              first_response_target_s: float = FIRST_RESPONSE_TARGET_S) -> ServiceMetrics:
    """The figures for ``period`` (all time by default), read from the database."""
    period = period or Period()
    return compute(conversation_rows(engine, period), period, first_response_target_s)


def compute(rows: Sequence[ConversationRecord], period: Period,
            first_response_target_s: float = FIRST_RESPONSE_TARGET_S) -> ServiceMetrics:
    """The figures for ``rows`` (the period's records)."""
    total = len(rows)
    by_outcome = {o.value: 0 for o in Outcome} | Counter(r.outcome for r in rows)
    escalated = [r for r in rows if r.escalation_reason]
    reasons = Counter(r.escalation_reason or "" for r in escalated)
    handled = [r for r in rows if r.handling_s is not None]
    queued = [r for r in rows if r.queue_wait_s is not None]
    resolved = by_outcome[Outcome.BOT_RESOLVED] + by_outcome[Outcome.AGENT_RESOLVED]
    return ServiceMetrics(
        period=period.as_dict(),
        conversations=total,
        by_outcome=dict(by_outcome),
        resolution_rate=rate(resolved, total),
        containment=rate(by_outcome[Outcome.BOT_RESOLVED], total),
        escalation_rate=rate(len(escalated), total),
        abandonment_rate=rate(by_outcome[Outcome.ABANDONED], total),
        escalations_by_reason=dict(reasons.most_common()),
        escalation_rate_by_reason={reason: rate(count, total) for reason, count in reasons.most_common()},
        first_response=first_response(rows, first_response_target_s),
        bot_response=Distribution.of([t for r in rows for t in r.bot_response_times or []]),
        agent_response=Distribution.of([t for r in rows for t in r.agent_response_times or []]),
        queue_wait=Distribution.of([r.queue_wait_s for r in handled if r.queue_wait_s is not None]),
        queue_abandoned=sum(1 for r in queued if r.handling_s is None),
        first_agent_reply=Distribution.of([r.first_agent_reply_s for r in rows if r.first_agent_reply_s is not None]),
        handling=Distribution.of([r.handling_s for r in handled if r.handling_s is not None]),
        csat=csat(rows),
        billable=Billable(total, len(escalated), len(handled)),
        agents=agent_figures(handled),
        volume_by_day=volume_by_day(rows, period),
        volume_by_hour=volume_by_hour(rows, period.zone, first_response_target_s),
    )


def _first_response_counted(record: ConversationRecord, target_s: float) -> bool | None:
    """Whether the conversation met the first-response target; None when it does not count.

    Answered conversations count. A customer who wrote, got no reply and left counts as a miss
    once they had waited longer than the target, and not at all if they left sooner.
    """
    if record.first_response_s is not None:
        return record.first_response_s <= target_s
    waited = (as_utc(record.ended_at) - as_utc(record.started_at)).total_seconds()
    return False if record.customer_messages and waited > target_s else None


def first_response(rows: Sequence[ConversationRecord], target_s: float) -> FirstResponse:
    verdicts = [v for v in (_first_response_counted(r, target_s) for r in rows) if v is not None]
    within = sum(verdicts)
    return FirstResponse(
        target_s=target_s, counted=len(verdicts), within_target=within,
        share_within_target=rate(within, len(verdicts)),
        unanswered_over_target=sum(1 for r in rows if r.first_response_s is None
                                   and _first_response_counted(r, target_s) is False),
        times=Distribution.of([r.first_response_s for r in rows if r.first_response_s is not None]),
    )


def csat(rows: Sequence[ConversationRecord]) -> Csat:
    scores = [r.csat for r in rows if r.csat is not None]
    satisfied = sum(1 for s in scores if s >= SATISFIED_FROM)
    return Csat(
        responses=len(scores), response_rate=rate(len(scores), len(rows)), satisfied=satisfied,
        csat=rate(satisfied, len(scores)),
        mean_score=round(sum(scores) / len(scores), 3) if scores else None,
        distribution={str(score): scores.count(score) for score in range(1, 6)},
    )


def agent_figures(handled: Sequence[ConversationRecord]) -> list[AgentFigures]:
    """Per agent, busiest first (conversations handed back to the bot count for no agent)."""
    by_agent: dict[str, list[ConversationRecord]] = defaultdict(list)
    for record in handled:
        if record.agent_id:
            by_agent[record.agent_id].append(record)
    figures = [
        AgentFigures(
            agent_id=agent_id, agent_name=records[-1].agent_name or agent_id, conversations=len(records),
            resolved=sum(1 for r in records if r.outcome == Outcome.AGENT_RESOLVED),
            handling=Distribution.of([r.handling_s for r in records if r.handling_s is not None]),
            agent_response=Distribution.of([t for r in records for t in r.agent_response_times or []]),
        )
        for agent_id, records in by_agent.items()
    ]
    return sorted(figures, key=lambda f: (-f.conversations, f.agent_id))


def volume_by_day(rows: Sequence[ConversationRecord], period: Period) -> list[DayVolume]:
    """Conversations per local calendar day, with every day of a bounded period listed."""
    counts: dict[date, Counter[str]] = defaultdict(Counter)
    for record in rows:
        counts[as_utc(record.started_at).astimezone(period.zone).date()][record.outcome] += 1
    days = sorted(counts)
    if period.since and period.until:
        first = as_utc(period.since).astimezone(period.zone).date()
        last = (as_utc(period.until) - timedelta(microseconds=1)).astimezone(period.zone).date()
        if (last - first).days < MAX_DAYS_FILLED:
            days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [DayVolume(day.isoformat(), sum(counts[day].values()),
                      {o.value: counts[day][o.value] for o in Outcome}) for day in days]


def volume_by_hour(rows: Sequence[ConversationRecord], zone: ZoneInfo, target_s: float) -> list[HourVolume]:
    """Conversations per local hour of the day (0-23), with that hour's first-response share."""
    by_hour: dict[int, list[ConversationRecord]] = defaultdict(list)
    for record in rows:
        by_hour[as_utc(record.started_at).astimezone(zone).hour].append(record)
    hours = []
    for hour in range(24):
        verdicts = [v for v in (_first_response_counted(r, target_s) for r in by_hour[hour]) if v is not None]
        hours.append(HourVolume(hour, len(by_hour[hour]), rate(sum(verdicts), len(verdicts))))
    return hours
