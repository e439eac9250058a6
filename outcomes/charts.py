"""The report's charts, drawn with matplotlib's object API (no pyplot state, so threads are safe)."""

from __future__ import annotations

import io
from collections.abc import Callable

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from outcomes.metrics import ServiceMetrics
from outcomes.models import Outcome

OUTCOME_COLOURS = {
    Outcome.BOT_RESOLVED: "#2e7d32", Outcome.AGENT_RESOLVED: "#1565c0",
    Outcome.ESCALATED_UNRESOLVED: "#ef6c00", Outcome.ABANDONED: "#9e9e9e",
}
OUTCOME_LABELS = {
    Outcome.BOT_RESOLVED: "Resolved by the bot", Outcome.AGENT_RESOLVED: "Resolved by an agent",
    Outcome.ESCALATED_UNRESOLVED: "Escalated, unresolved", Outcome.ABANDONED: "Abandoned",
}
ACCENT = "#1565c0"
Chart = Callable[[Axes, ServiceMetrics], None]


def _style(ax: Axes, title: str) -> None:
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)


def volume_by_day(ax: Axes, metrics: ServiceMetrics) -> None:
    days = metrics.volume_by_day
    labels = [d.date[5:] for d in days]
    bottom = [0] * len(days)
    for outcome in Outcome:
        values = [d.by_outcome.get(outcome.value, 0) for d in days]
        ax.bar(labels, values, bottom=bottom, color=OUTCOME_COLOURS[outcome], label=OUTCOME_LABELS[outcome])
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right", fontsize=8)
    ax.legend(fontsize=7, frameon=False, ncols=2)
    _style(ax, "Conversations per day")


def volume_by_hour(ax: Axes, metrics: ServiceMetrics) -> None:
    hours = metrics.volume_by_hour
    ax.bar([h.hour for h in hours], [h.conversations for h in hours], color=ACCENT, alpha=0.8)
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlabel(f"hour of the day ({metrics.period['timezone']})", fontsize=8)
    share = ax.twinx()
    shares = [float("nan") if h.first_response_within_target is None else h.first_response_within_target
              for h in hours]
    share.plot([h.hour for h in hours], shares, "o-", color="#2e7d32",
               markersize=3, label=f"share answered within {metrics.first_response.target_s:g} s")
    share.set_ylim(0, 1.05)
    share.spines[["top"]].set_visible(False)
    share.legend(fontsize=7, frameon=False, loc="lower right")
    _style(ax, "Conversations by hour of the day")


def outcomes(ax: Axes, metrics: ServiceMetrics) -> None:
    labels = [OUTCOME_LABELS[o] for o in Outcome]
    ax.barh(labels, [metrics.by_outcome[o.value] for o in Outcome], color=[OUTCOME_COLOURS[o] for o in Outcome])
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=8)
    _style(ax, "Outcomes")


def escalations(ax: Axes, metrics: ServiceMetrics) -> None:
    reasons = list(metrics.escalations_by_reason.items())
    ax.barh([r.replace("_", " ") for r, _ in reasons] or ["none"], [c for _, c in reasons] or [0], color="#ef6c00")
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=8)
    _style(ax, "Escalations by reason")


def csat(ax: Axes, metrics: ServiceMetrics) -> None:
    scores = metrics.csat.distribution
    colours = ["#c62828", "#ef6c00", "#9e9e9e", "#7cb342", "#2e7d32"]
    ax.bar(list(scores), list(scores.values()), color=colours)
    ax.set_xlabel("rating", fontsize=8)
    _style(ax, "Customer ratings")


def response_times(ax: Axes, metrics: ServiceMetrics) -> None:
    series = {"first\nresponse": metrics.first_response.times, "bot\nreply": metrics.bot_response,
              "agent\nreply": metrics.agent_response, "queue\nwait": metrics.queue_wait,
              "first agent\nreply": metrics.first_agent_reply, "handling": metrics.handling}
    names = list(series)
    positions = range(len(names))
    ax.bar([p - 0.2 for p in positions], [series[n].median or 0 for n in names], width=0.4, label="median",
           color=ACCENT)
    ax.bar([p + 0.2 for p in positions], [series[n].p95 or 0 for n in names], width=0.4, label="95th percentile",
           color="#90caf9")
    ax.set_xticks(list(positions), names, fontsize=7)
    ax.set_yscale("symlog", linthresh=1)
    ax.set_ylabel("seconds (log scale above 1 s)", fontsize=8)
    ax.legend(fontsize=7, frameon=False)
    _style(ax, "Response and handling times")


CHARTS: dict[str, Chart] = {
    "volume_by_day": volume_by_day, "volume_by_hour": volume_by_hour, "outcomes": outcomes,
    "escalations": escalations, "csat": csat, "response_times": response_times,
}


def figure(chart: Chart, metrics: ServiceMetrics, size: tuple[float, float] = (7.0, 3.0)) -> Figure:
    """One chart on a figure of its own."""
    fig = Figure(figsize=size, layout="constrained")
    chart(fig.add_subplot(), metrics)
    return fig


def svg(chart: Chart, metrics: ServiceMetrics) -> str:
    """One chart as an inline SVG element (text kept as text, so it stays small and searchable)."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure(chart, metrics).savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg"):]
