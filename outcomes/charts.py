"""The report's charts, drawn with matplotlib's object API (no pyplot state, so threads are safe)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Literal

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from outcomes.labels import OUTCOME_LABELS, reason_label
from outcomes.metrics import Distribution, ServiceMetrics
from outcomes.models import Outcome

OUTCOME_COLOURS = {
    Outcome.BOT_RESOLVED: "#2e7d32", Outcome.AGENT_RESOLVED: "#1565c0",
    Outcome.ESCALATED_UNRESOLVED: "#ef6c00", Outcome.ABANDONED: "#9e9e9e",
}
ACCENT = "#1565c0"
Chart = Callable[[Axes, ServiceMetrics], None]


LOG_TICKS = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)
LINEAR_UP_TO_S = 60  # response times up to a minute are drawn on a linear axis, longer ones on a log axis


def _style(ax: Axes, title: str, value_axis: Literal["x", "y"] = "y") -> None:
    ax.set_title(title, loc="left", fontsize=10, fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis=value_axis, alpha=0.3)
    ax.set_axisbelow(True)


def _counts(ax: Axes, axis: str = "y") -> None:
    """A count axis: whole numbers only, from zero, up to at least one."""
    if axis == "y":
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, max(1.0, ax.get_ylim()[1]))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlim(0, max(1.0, ax.get_xlim()[1]))


def _no_data(ax: Axes, empty: bool, what: str = "No conversations in this period") -> bool:
    """Writes the no-data note across an empty chart; returns ``empty``."""
    if empty:
        ax.text(0.5, 0.5, what, transform=ax.transAxes, ha="center", va="center", fontsize=9, color="#5b6675")
    return empty


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
    ax.set_ylabel("conversations", fontsize=8)
    _counts(ax)
    if not _no_data(ax, not metrics.conversations):
        ax.legend(fontsize=7, frameon=False, ncols=2)
    _style(ax, "Conversations per day")


def volume_by_hour(ax: Axes, metrics: ServiceMetrics) -> None:
    hours = metrics.volume_by_hour
    ax.bar([h.hour for h in hours], [h.conversations for h in hours], color=ACCENT, alpha=0.8,
           label="conversations")
    ax.set_xticks(range(0, 24, 2))
    ax.set_xlabel(f"hour of the day ({metrics.period['timezone']})", fontsize=8)
    ax.set_ylabel("conversations", fontsize=8)
    _counts(ax)
    share = ax.twinx()
    shares = [float("nan") if h.first_response_within_target is None else h.first_response_within_target
              for h in hours]
    answered = f"answered within {metrics.first_response.target_s:g} s"
    share.plot([h.hour for h in hours], shares, "o-", color="#2e7d32", markersize=3, label=f"share {answered}")
    share.set_ylim(0, 1.05)
    share.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    share.set_ylabel(answered, fontsize=8, color="#2e7d32")
    share.tick_params(axis="y", labelsize=8, colors="#2e7d32")
    share.spines[["top"]].set_visible(False)
    if not _no_data(ax, not metrics.conversations):
        share.legend(fontsize=7, frameon=False, loc="lower right")
    _style(ax, "Conversations by hour of the day")


def outcomes(ax: Axes, metrics: ServiceMetrics) -> None:
    labels = [OUTCOME_LABELS[o] for o in Outcome]
    ax.barh(labels, [metrics.by_outcome[o.value] for o in Outcome], color=[OUTCOME_COLOURS[o] for o in Outcome])
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel("conversations", fontsize=8)
    _counts(ax, "x")
    _no_data(ax, not metrics.conversations)
    _style(ax, "Outcomes", "x")


def escalations(ax: Axes, metrics: ServiceMetrics) -> None:
    reasons = list(metrics.escalations_by_reason.items())
    ax.barh([reason_label(r) for r, _ in reasons], [c for _, c in reasons], color="#ef6c00")
    ax.invert_yaxis()
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel("conversations", fontsize=8)
    _counts(ax, "x")
    if _no_data(ax, not reasons, "No escalations in this period"):
        ax.set_yticks([])
    _style(ax, "Escalations by reason", "x")


def csat(ax: Axes, metrics: ServiceMetrics) -> None:
    scores = metrics.csat.distribution
    colours = ["#c62828", "#ef6c00", "#9e9e9e", "#7cb342", "#2e7d32"]
    ax.bar(list(scores), list(scores.values()), color=colours)
    ax.set_xlabel("rating (1-5)", fontsize=8)
    ax.set_ylabel("ratings", fontsize=8)
    _counts(ax)
    _no_data(ax, not metrics.csat.responses, "No ratings in this period")
    _style(ax, "Customer ratings")


def _seconds(value: float, _position: object = None) -> str:
    return f"{value:g} s" if value < 120 else f"{value / 60:g} min"


def response_times(ax: Axes, metrics: ServiceMetrics) -> None:
    """Median and 95th percentile side by side, each bar labelled with its value. Times up to a minute
    use a linear axis; longer ones a log axis with ticks at 1-2-5 steps, written as plain seconds."""
    series: dict[str, Distribution] = {
        "first\nresponse": metrics.first_response.times, "bot\nreply": metrics.bot_response,
        "agent\nreply": metrics.agent_response, "queue\nwait": metrics.queue_wait,
        "first agent\nreply": metrics.first_agent_reply, "handling": metrics.handling}
    names = list(series)
    positions = range(len(names))
    for offset, (label, colour, value_of) in enumerate((
            ("median", ACCENT, lambda d: d.median), ("95th percentile", "#90caf9", lambda d: d.p95))):
        values = [value_of(series[n]) for n in names]
        bars = ax.bar([p - 0.2 + 0.4 * offset for p in positions], [v or 0 for v in values], width=0.4,
                      label=label, color=colour)
        ax.bar_label(bars, ["—" if v is None else _seconds(round(v, 1)) for v in values], fontsize=6, padding=1)
    ax.set_xticks(list(positions), names, fontsize=7)
    top = max((d.p95 or 0 for d in series.values()), default=0)
    if top > LINEAR_UP_TO_S:
        ax.set_yscale("symlog", linthresh=1)
        ax.set_yticks([t for t in LOG_TICKS if t <= top * 1.5])
        ax.set_ylim(0, top * 3)
        ax.set_ylabel("seconds (log scale)", fontsize=8)
    else:
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax.set_ylim(0, max(1.0, top * 1.15))
        ax.set_ylabel("seconds", fontsize=8)
    ax.yaxis.set_major_formatter(FuncFormatter(_seconds))
    ax.tick_params(axis="y", labelsize=8)
    if not _no_data(ax, not any(d.count for d in series.values()), "No replies in this period"):
        ax.legend(fontsize=7, frameon=False, loc="upper left")
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
