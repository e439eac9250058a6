"""The service report: figures against targets, fees, comments, questions; as HTML, PDF and CSV."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import Engine

from outcomes import EscalationReason, Fees, Outcome, OutcomeRecorder, Period, Targets, build_report
from outcomes.metrics import conversation_rows
from outcomes.rendering import file_name, render_csv, render_html, render_pdf, write_report_files
from tests.outcomes.factories import Script, record

pytestmark = pytest.mark.integration
START = datetime(2026, 10, 1, tzinfo=UTC)
PERIOD = Period(START, START + timedelta(days=31))
FEES = Fees(currency="EUR", fixed=1000.0, per_conversation=0.5, per_technical_support_session=4.0)


@pytest.fixture
def conversations(recorder: OutcomeRecorder) -> None:
    for n in range(24):  # one an hour on the first day: 24-hour operation
        record(recorder, Script(start=START + timedelta(hours=n), csat=5 if n % 3 else 3,
                                comment=f"comment {n} <b>bold</b>" if n < 3 else None))
    for n in range(6):
        record(recorder, Script(start=START + timedelta(days=2, hours=n), article=None,
                                reason=EscalationReason.LOW_CONFIDENCE,
                                question="Does the hub support Zigbee?", queued_after=2, claimed_after=10,
                                agent_reply_after=15, ended_by="agent", ended_after=90,
                                labels=("zigbee", "hub"), agent_articles=("hub-zigbee",)))


def test_figures_are_checked_against_the_targets(engine: Engine, conversations: None) -> None:
    report = build_report(engine, PERIOD, Targets(), FEES)
    checks = {c.name: c for c in report.checks}
    assert checks["first_response"].actual == 1.0 and checks["first_response"].met
    assert checks["resolution_rate"].actual == 1.0 and checks["resolution_rate"].met
    assert checks["csat"].actual == 0.6667 and checks["csat"].met is False  # 16 fives of 24 ratings
    assert checks["hours_covered"].actual == 24 and checks["hours_covered"].met


def test_fees_come_from_the_billable_volumes(engine: Engine, conversations: None) -> None:
    bill = build_report(engine, PERIOD, Targets(), FEES).billing
    assert [(line.quantity, line.amount) for line in bill.lines] == [(1, 1000.0), (30, 15.0), (6, 24.0)]
    assert bill.total == 1039.0


def test_comments_and_unanswered_questions_are_included(engine: Engine, conversations: None) -> None:
    report = build_report(engine, PERIOD, Targets(), FEES)
    assert [c.text for c in report.comments] == [f"comment {n} <b>bold</b>" for n in (2, 1, 0)]  # newest first
    [question] = report.unanswered
    assert (question.label, question.size) == ("Does the hub support Zigbee?", 6)


def test_html_is_self_contained_with_charts_and_escapes_customer_text(engine: Engine, conversations: None) -> None:
    html = render_html(build_report(engine, PERIOD, Targets(), FEES))
    assert html.count("<svg") == 6 and 'data-check="csat"' in html
    assert "comment 2 &lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert "src=\"http" not in html and "href=\"http" not in html


def test_pdf_has_the_figures_charts_and_lists(engine: Engine, conversations: None) -> None:
    pdf = render_pdf(build_report(engine, PERIOD, Targets(), FEES))
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 3


RAW_CODES = [code.value for code in (*Outcome, *EscalationReason)]
HEADINGS = ["Service report", "Service level against targets", "Billable volumes", "Key figures",
            "Conversations per day", "Conversations by hour of the day", "Response and handling times", "Outcomes",
            "Customer ratings", "Escalations by reason", "Agents", "Top unanswered questions", "Customer comments"]


def poppler(tool: str) -> str:
    """A poppler-utils program (Debian's; `make test` installs it like Chromium)."""
    path = shutil.which(tool)
    assert path, f"{tool} is missing: apt-get install poppler-utils (make test does)"
    return path


def test_the_pdf_reads_as_a_person_would(engine: Engine, recorder: OutcomeRecorder, conversations: None,
                                         tmp_path: Path) -> None:
    """Rendered to images and read back as text, as a person opening the file would see it: every
    heading there, words instead of codes, plain-number ticks, and every page with something on it."""
    record(recorder, Script(start=START + timedelta(days=3), article=None, reason=EscalationReason.THIRD_PARTY,
                            queued_after=2, claimed_after=10, agent_reply_after=15, ended_by="agent", csat=1,
                            comment="Hue is not yours, fine"))
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render_pdf(build_report(engine, PERIOD, Targets(), FEES)))
    subprocess.run([poppler("pdftoppm"), "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 4
    for png in pages:
        with Image.open(png) as image:
            low, _high = image.convert("L").getextrema()
            assert low < 100, f"{png.name} is blank"
    text = subprocess.run([poppler("pdftotext"), str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert [h for h in HEADINGS if h not in text] == []
    assert [code for code in RAW_CODES if code in text] == []
    assert "Third-party product" in text and "Resolved by the bot" in text and "Resolved by an agent" in text
    assert "10⁰" not in text and "share answered within 30 s" in text
    assert "Period 2026-10-01 – 2026-10-31 (UTC)" in text  # the exclusive end (11-01) shown as the last day


def test_the_period_reads_the_same_in_the_label_and_the_file_names() -> None:
    assert PERIOD.label() == "2026-10-01 – 2026-10-31"
    assert file_name(PERIOD, "pdf") == "tandem-service-report_2026-10-01_2026-10-31.pdf"
    berlin = Period(datetime(2026, 10, 1, tzinfo=ZoneInfo("Europe/Berlin")),
                    datetime(2026, 10, 2, tzinfo=ZoneInfo("Europe/Berlin")), "Europe/Berlin")
    assert (berlin.label(), berlin.file_stem("x")) == ("2026-10-01", "x_2026-10-01_2026-10-01")
    hours = Period(START + timedelta(hours=9), START + timedelta(hours=17))
    assert hours.label() == "2026-10-01 09:00 – 2026-10-01 17:00 (end not included)"
    assert Period(START).label() == "2026-10-01 – now" and file_name(Period(), "csv").endswith("_all_all.csv")


def test_csv_has_one_row_per_conversation(engine: Engine, conversations: None, tmp_path: object) -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(conversation_rows(engine, PERIOD)))))
    assert len(rows) == 30
    assert {r["outcome"] for r in rows} == {"bot_resolved", "agent_resolved"}
    assert rows[0]["started_at"] == "2026-10-01T00:00:00+00:00"
    assert rows[0]["labels"] == "" and rows[-1]["labels"] == "zigbee;hub"
    assert rows[-1]["agent_article_ids"] == "hub-zigbee"
    hub_only = replace(PERIOD, conversation_label="hub")
    labelled = list(csv.DictReader(io.StringIO(render_csv(conversation_rows(engine, hub_only)))))
    assert len(labelled) == 6
    assert (rows[0]["outcome_label"], rows[-1]["escalation_reason_label"]) == ("Resolved by the bot",
                                                                               "No confident answer")


def test_the_command_line_writes_all_three_files(engine: Engine, conversations: None, tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    report = build_report(engine, PERIOD, Targets(), FEES)
    paths = write_report_files(report, conversation_rows(engine, PERIOD), tmp_path / "out", "october")
    assert [p.name for p in paths] == ["october.html", "october.pdf", "october.csv"]
    assert all(p.stat().st_size > 500 for p in paths)
