"""The service report: a period's figures against the contract's targets, billable volumes,
customer comments and the top unanswered questions. Rendering is in :mod:`outcomes.rendering`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from outcomes.gaps import Embed, GapCluster, knowledge_gaps
from outcomes.labels import outcome_label, reason_label, vocabulary
from outcomes.metrics import Period, ServiceMetrics, as_utc, compute, conversation_rows, summarize
from outcomes.models import ConversationRecord

TOP_QUESTIONS = 10
MAX_COMMENTS = 200


@dataclass(frozen=True)
class Targets:
    """The service level the operator is held to (``tandem: service: targets:`` in config.yml)."""

    first_response_s: float = 30.0
    first_response_share: float = 0.95
    csat: float = 0.90
    resolution_rate: float = 0.95
    containment: float = 0.60
    hours_covered: int = 24


@dataclass(frozen=True)
class Fees:
    """A fixed part plus a price per conversation and per technical-support session (agent-handled)."""

    currency: str = "EUR"
    fixed: float = 0.0
    per_conversation: float = 0.0
    per_technical_support_session: float = 0.0


@dataclass(frozen=True)
class TargetCheck:
    """One contractual figure: what was achieved, what was promised, and whether it was met."""

    name: str
    label: str
    actual: float | None
    target: float
    met: bool | None
    detail: str


@dataclass(frozen=True)
class BillingLine:
    label: str
    quantity: int
    unit_price: float
    amount: float


@dataclass(frozen=True)
class Billing:
    currency: str
    lines: list[BillingLine]
    total: float


@dataclass(frozen=True)
class Comment:
    """A customer's rating comment (stored redacted)."""

    ended_at: str
    score: int
    outcome: str
    text: str
    outcome_label: str = ""
    session_id: str = ""  # opens the conversation behind the comment (supervisors)


@dataclass(frozen=True)
class ServiceReport:
    """Everything the HTML, PDF and JSON forms of the report show."""

    title: str
    generated_at: str
    period: dict[str, str | None]
    targets: Targets
    checks: list[TargetCheck]
    metrics: ServiceMetrics
    billing: Billing
    comments: list[Comment] = field(default_factory=list)
    unanswered: list[GapCluster] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


def build_report(engine: Engine, period: Period, targets: Targets, fees: Fees, *,
                 embed: Embed | None = None, now: datetime | None = None,
                 title: str = "Service report") -> ServiceReport:
    """Read the period's records and assemble the report (the questions are grouped with ``embed``)."""
    rows = conversation_rows(engine, period)
    metrics = compute(rows, period, targets.first_response_s)
    return ServiceReport(
        title=title,
        generated_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        period=period.as_dict(),
        targets=targets,
        checks=target_checks(metrics, targets),
        metrics=metrics,
        billing=billing(metrics, fees),
        comments=comments(rows, zone=period.zone),
        unanswered=knowledge_gaps(engine, period, embed, limit=TOP_QUESTIONS),
    )


def dashboard_figures(engine: Engine, period: Period, targets: Targets) -> dict[str, Any]:
    """What the dashboard shows, as plain data: the period's figures; the report's own target checks, so
    the tiles and the report agree; the previous period of the same length, for comparison; and the
    words for the codes (:mod:`outcomes.labels`)."""
    metrics = summarize(engine, period, targets.first_response_s)
    previous = period.previous()
    return metrics.as_dict() | {
        "checks": [asdict(check) for check in target_checks(metrics, targets)],
        "previous": None if previous is None else _headline(summarize(engine, previous, targets.first_response_s)),
        "labels": vocabulary(),
    }


def _headline(metrics: ServiceMetrics) -> dict[str, Any]:
    """The figures without the per-day, per-hour and per-agent lists."""
    figures = metrics.as_dict()
    for detail in ("volume_by_day", "volume_by_hour", "agents"):
        figures.pop(detail)
    return figures


def target_checks(metrics: ServiceMetrics, targets: Targets) -> list[TargetCheck]:
    """The contract's figures, each compared with its target."""
    first = metrics.first_response
    return [
        _check("first_response", f"First response within {targets.first_response_s:g} s",
               first.share_within_target, targets.first_response_share,
               f"{first.within_target} of {first.counted} conversations"),
        _check("csat", "Customer satisfaction (ratings of 4-5)", metrics.csat.csat, targets.csat,
               f"{metrics.csat.satisfied} of {metrics.csat.responses} ratings; "
               f"{metrics.csat.responses} of {metrics.conversations} conversations rated"),
        _check("resolution_rate", "Problem resolution", metrics.resolution_rate, targets.resolution_rate,
               f"{metrics.by_outcome['bot_resolved'] + metrics.by_outcome['agent_resolved']} of "
               f"{metrics.conversations} conversations"),
        _check("containment", "Bot containment (resolved by the bot alone)", metrics.containment,
               targets.containment, f"{metrics.by_outcome['bot_resolved']} of {metrics.conversations} conversations"),
        hours_check(metrics, targets),
    ]


def _check(name: str, label: str, actual: float | None, target: float, detail: str) -> TargetCheck:
    return TargetCheck(name, label, actual, target, None if actual is None else actual >= target, detail)


def hours_check(metrics: ServiceMetrics, targets: Targets) -> TargetCheck:
    """24-hour operation: hours of the day in which customers came and were answered within target."""
    busy = [h for h in metrics.volume_by_hour if h.conversations]
    served = [h for h in busy if h.first_response_within_target is not None
              and h.first_response_within_target >= targets.first_response_share]
    return TargetCheck(
        "hours_covered", "24-hour operation (hours of the day served within target)", float(len(served)),
        float(targets.hours_covered), len(served) >= targets.hours_covered if busy else None,
        f"customers came in {len(busy)} of 24 hours; first responses met the target in {len(served)}",
    )


def billing(metrics: ServiceMetrics, fees: Fees) -> Billing:
    """The fee lines: fixed, per conversation, per technical-support session."""
    volumes = metrics.billable
    lines = [
        BillingLine("Fixed fee", 1, fees.fixed, fees.fixed),
        BillingLine("Conversations", volumes.conversations, fees.per_conversation,
                    round(volumes.conversations * fees.per_conversation, 2)),
        BillingLine("Technical-support sessions (handled by an agent)", volumes.technical_support_sessions,
                    fees.per_technical_support_session,
                    round(volumes.technical_support_sessions * fees.per_technical_support_session, 2)),
    ]
    return Billing(fees.currency, lines, round(sum(line.amount for line in lines), 2))


def comments(rows: Sequence[ConversationRecord], limit: int = MAX_COMMENTS,
             zone: ZoneInfo | None = None) -> list[Comment]:
    """Rating comments, newest first, with their time on the service's clock (``zone``; UTC by default)."""
    rated = [r for r in rows if r.csat is not None and r.csat_comment]
    rated.sort(key=lambda r: as_utc(r.ended_at), reverse=True)
    return [Comment(as_utc(r.ended_at).astimezone(zone or UTC).isoformat(timespec="minutes"), r.csat or 0,
                    r.outcome, r.csat_comment or "", outcome_label(r.outcome), r.session_id) for r in rated[:limit]]


CSV_COLUMNS = (
    "session_id", "channel", "started_at", "ended_at", "ended_by", "outcome", "escalation_reason", "product", "queue",
    "offline_ticket", "labels", "articles", "agent_article_ids",
    "customer_messages", "first_response_s", "bot_response_times", "agent_response_times", "queue_wait_s",
    "first_agent_reply_s", "handling_s", "agent_id", "agent_name", "csat", "csat_comment", "escalation_question",
)
# Words for the code columns, for people reading the file in a spreadsheet (outcomes.labels).
CSV_LABEL_COLUMNS = {"outcome_label": ("outcome", outcome_label),
                     "escalation_reason_label": ("escalation_reason", reason_label)}


def csv_row(record: ConversationRecord) -> dict[str, str]:
    """One conversation as CSV cells (lists joined with ``;``, times in UTC ISO 8601)."""
    cells: dict[str, str] = {}
    for column in CSV_COLUMNS:
        value = getattr(record, column)
        if isinstance(value, datetime):
            value = as_utc(value).isoformat()
        elif isinstance(value, list):
            value = ";".join(str(item) for item in value)
        cells[column] = "" if value is None else str(value)
    for column, (source, words) in CSV_LABEL_COLUMNS.items():
        cells[column] = words(cells[source]) if cells[source] else ""
    return cells
