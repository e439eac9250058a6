"""The service report as HTML (charts inline as SVG), PDF (matplotlib, no system libraries) and CSV."""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

import jinja2
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from outcomes import charts
from outcomes.labels import outcome_label, reason_label
from outcomes.metrics import Period, ServiceMetrics
from outcomes.models import ConversationRecord
from outcomes.report import CSV_COLUMNS, CSV_LABEL_COLUMNS, ServiceReport, TargetCheck, csv_row

FILE_PREFIX = "tandem-service-report"

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
    trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
)


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def money(value: float) -> str:
    return f"{value:,.2f}"


def check_value(check: TargetCheck, value: float | None) -> str:
    """A check's figure in its own unit: hours are counted, the rest are shares."""
    if check.name == "hours_covered":
        return "—" if value is None else f"{value:.0f} h"
    return pct(value)


def period_label(report: ServiceReport) -> str:
    """The period as :meth:`Period.label` wrote it (inclusive days), as on the dashboard."""
    return report.period["label"] or "all time"


def file_name(period: Period, extension: str) -> str:
    """The report's file name: the same first and last day as the period's label."""
    return f"{period.file_stem(FILE_PREFIX)}.{extension}"


def key_figures(m: ServiceMetrics) -> list[tuple[str, str]]:
    """The headline numbers, as (label, formatted value)."""
    first = m.first_response
    return [
        ("Conversations", str(m.conversations)),
        ("Resolution rate (bot + agent)", pct(m.resolution_rate)),
        ("Bot containment (resolved by the bot)", pct(m.containment)),
        ("Escalation rate", pct(m.escalation_rate)),
        ("Abandonment rate", pct(m.abandonment_rate)),
        ("CSAT (share of 4-5 ratings)", pct(m.csat.csat)),
        ("Mean rating", "—" if m.csat.mean_score is None else f"{m.csat.mean_score:.2f} / 5"),
        ("Rating response rate", pct(m.csat.response_rate)),
        (f"First responses within {first.target_s:g} s", pct(first.share_within_target)),
        ("First response median / p95", f"{secs(first.times.median)} / {secs(first.times.p95)}"),
        ("Bot reply median / p95", f"{secs(m.bot_response.median)} / {secs(m.bot_response.p95)}"),
        ("Agent reply median / p95", f"{secs(m.agent_response.median)} / {secs(m.agent_response.p95)}"),
        ("Queue wait median / p95 (answered)", f"{secs(m.queue_wait.median)} / {secs(m.queue_wait.p95)}"),
        ("Left while waiting in the queue", str(m.queue_abandoned)),
        ("Handoff to first agent reply median / p95",
         f"{secs(m.first_agent_reply.median)} / {secs(m.first_agent_reply.p95)}"),
        ("Agent handling median / p95", f"{secs(m.handling.median)} / {secs(m.handling.p95)}"),
    ]


def render_html(report: ServiceReport) -> str:
    """A self-contained HTML page (no external files), printable."""
    m = report.metrics
    return TEMPLATES.get_template("service_report.html").render(
        report=report, m=m, period_label=period_label(report), key_figures=key_figures(m),
        charts=[(name, charts.svg(chart, m)) for name, chart in charts.CHARTS.items()],
        pct=pct, secs=secs, money=money, check_value=check_value, reason_label=reason_label,
    )


def render_csv(records: Iterable[ConversationRecord]) -> str:
    """One row per conversation, the rows the report's figures are computed from."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=(*CSV_COLUMNS, *CSV_LABEL_COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_row(record) for record in records)
    return buffer.getvalue()


A4 = (8.27, 11.69)
CHART_PAGES: tuple[list[list[str]], ...] = ([["volume_by_day"] * 2, ["volume_by_hour"] * 2, ["response_times"] * 2],
               [["outcomes", "csat"], ["escalations"] * 2, [".", "."]])
MARGIN = 0.07
LINE = 0.018


class _PdfPage:
    """Writes text top-down on A4 pages; starts a new page when one is full."""

    def __init__(self, pdf: PdfPages) -> None:
        self._pdf = pdf
        self._fig: Figure | None = None
        self._y = 0.0

    def _room(self, height: float) -> Figure:
        if self._fig is None or self._y - height < MARGIN:
            self.flush()
            self._fig, self._y = Figure(figsize=A4), 1 - MARGIN
        return self._fig

    def text(self, text: str, size: float = 9, weight: str = "normal", x: float = MARGIN, colour: str = "#1c2430",
             width: int = 110) -> None:
        for line in textwrap.wrap(text, width) or [""]:
            fig = self._room(LINE * size / 9)
            fig.text(x, self._y, line, fontsize=size, fontweight=weight, color=colour, va="top", parse_math=False)
            self._y -= LINE * size / 9

    def heading(self, text: str) -> None:
        self.gap(0.8)
        self.text(text, size=13, weight="bold")
        self.gap(0.3)

    def gap(self, lines: float = 1.0) -> None:
        self._y -= LINE * lines

    def row(self, cells: Sequence[str], columns: Sequence[float], bold: bool = False) -> None:
        fig = self._room(LINE)
        for cell, x in zip(cells, columns, strict=True):
            fig.text(x, self._y, cell, fontsize=8.5, fontweight="bold" if bold else "normal", va="top",
                     parse_math=False)
        self._y -= LINE

    def charts(self, metrics: ServiceMetrics) -> None:
        """The charts on two pages of their own, each at least half a page wide so no title is cut."""
        for layout in CHART_PAGES:
            self.flush()
            fig = Figure(figsize=A4, layout="constrained")
            fig.get_layout_engine().set(w_pad=0.3, h_pad=0.25)  # type: ignore[call-arg, union-attr]
            axes = fig.subplot_mosaic(layout)  # type: ignore[arg-type]  # a list of rows of names is a mosaic
            for name in {name for row in layout for name in row} - {"."}:
                charts.CHARTS[name](axes[name], metrics)
            self._pdf.savefig(fig)

    def flush(self) -> None:
        if self._fig is not None:
            self._pdf.savefig(self._fig)
            self._fig = None


def render_pdf(report: ServiceReport) -> bytes:
    """The report on A4 pages: targets, billing and figures; the charts; agents, questions, comments."""
    buffer = io.BytesIO()
    m = report.metrics
    with PdfPages(buffer, metadata={"Title": f"{report.title} {period_label(report)}", "Creator": "Tandem"}) as pdf:
        page = _PdfPage(pdf)
        page.text(report.title, size=18, weight="bold")
        page.text(f"Period {period_label(report)} ({report.period['timezone']}) · generated {report.generated_at}",
                  colour="#5b6675")
        page.heading("Service level against targets")
        cols = (MARGIN, 0.52, 0.64, 0.76)
        page.row(["Figure", "Achieved", "Target", "Status"], cols, bold=True)
        for check in report.checks:
            status = "no data" if check.met is None else ("met" if check.met else "MISSED")
            page.row([check.label[:60], check_value(check, check.actual), check_value(check, check.target), status],
                     cols)
            page.text(check.detail, size=7.5, colour="#5b6675", x=MARGIN + 0.02)
        page.heading("Billable volumes")
        cols = (MARGIN, 0.56, 0.68, 0.82)
        page.row(["Item", "Quantity", "Unit price", f"Amount ({report.billing.currency})"], cols, bold=True)
        for line in report.billing.lines:
            page.row([line.label, str(line.quantity), money(line.unit_price), money(line.amount)], cols)
        page.row(["Total", "", "", money(report.billing.total)], cols, bold=True)
        page.heading("Key figures")
        for label, value in key_figures(m):
            page.row([label, value], (MARGIN, 0.6))
        page.charts(m)
        _agents_questions_comments(page, report)
        page.flush()
    return buffer.getvalue()


def _agents_questions_comments(page: _PdfPage, report: ServiceReport) -> None:
    m = report.metrics
    page.heading("Escalations by reason")
    reason_cols = (MARGIN, 0.5, 0.65)
    page.row(["Reason", "Conversations", "Share of all conversations"], reason_cols, bold=True)
    for reason, count in m.escalations_by_reason.items():
        page.row([reason_label(reason), str(count), pct(m.escalation_rate_by_reason[reason])], reason_cols)
    if not m.escalations_by_reason:
        page.text("No escalations in this period.", colour="#5b6675")
    page.heading("Agents")
    cols = (MARGIN, 0.45, 0.6, 0.72, 0.85)
    page.row(["Agent", "Conversations", "Resolved", "Handling median", "Reply median"], cols, bold=True)
    for agent in m.agents:
        page.row([agent.agent_name[:40], str(agent.conversations), str(agent.resolved), secs(agent.handling.median),
                  secs(agent.agent_response.median)], cols)
    if not m.agents:
        page.text("No conversation reached an agent.", colour="#5b6675")
    page.heading("Top unanswered questions")
    for rank, cluster in enumerate(report.unanswered, 1):
        page.text(f"{rank}. {cluster.label} — {cluster.size} time{'s' if cluster.size != 1 else ''}", weight="bold")
        for example in cluster.examples[1:]:
            page.text(f"• {example}", size=8, colour="#5b6675", x=MARGIN + 0.03, width=105)
    if not report.unanswered:
        page.text("None in this period.", colour="#5b6675")
    page.heading("Customer comments")
    for comment in report.comments:
        page.text(f"{comment.score}/5 · {comment.ended_at} · {outcome_label(comment.outcome)}", size=8,
                  colour="#5b6675")
        page.text(comment.text, x=MARGIN + 0.02)
        page.gap(0.4)
    if not report.comments:
        page.text("No comments in this period.", colour="#5b6675")


def write_report_files(report: ServiceReport, records: Sequence[ConversationRecord], folder: Path,
                       stem: str = "service-report") -> list[Path]:
    """Write ``stem``.html, .pdf and .csv into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    html, pdf, rows = folder / f"{stem}.html", folder / f"{stem}.pdf", folder / f"{stem}.csv"
    html.write_text(render_html(report), encoding="utf-8")
    pdf.write_bytes(render_pdf(report))
    rows.write_text(render_csv(records), encoding="utf-8")
    return [html, pdf, rows]
