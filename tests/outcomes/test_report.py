"""The service report: figures against targets, fees, comments, questions; as HTML, PDF and CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from outcomes import EscalationReason, Fees, OutcomeRecorder, Period, Targets, build_report
from outcomes.metrics import conversation_rows
from outcomes.rendering import render_csv, render_html, render_pdf, write_report_files
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


def test_csv_has_one_row_per_conversation(engine: Engine, conversations: None, tmp_path: object) -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(conversation_rows(engine, PERIOD)))))
    assert len(rows) == 30
    assert {r["outcome"] for r in rows} == {"bot_resolved", "agent_resolved"}
    assert rows[0]["started_at"] == "2026-10-01T00:00:00+00:00"
    assert rows[0]["labels"] == "" and rows[-1]["labels"] == "zigbee;hub"
    assert rows[-1]["agent_article_ids"] == "hub-zigbee"
    labelled = list(csv.DictReader(io.StringIO(render_csv(conversation_rows(engine, replace(PERIOD, label="hub"))))))
    assert len(labelled) == 6


def test_the_command_line_writes_all_three_files(engine: Engine, conversations: None, tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    report = build_report(engine, PERIOD, Targets(), FEES)
    paths = write_report_files(report, conversation_rows(engine, PERIOD), tmp_path / "out", "october")
    assert [p.name for p in paths] == ["october.html", "october.pdf", "october.csv"]
    assert all(p.stat().st_size > 500 for p in paths)
