"""The service dashboard and the widget's rating, in real Chromium against the running system."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import create_engine, text

from outcomes import EscalationReason, OutcomeRecorder
from tests.browser.staff import sign_in
from tests.outcomes.factories import Script, record
from tests.support.system import RunningSystem

pytestmark = [pytest.mark.browser, pytest.mark.integration]
TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
FIRST_DAY = TODAY - timedelta(days=30)  # a week no other test writes to
ZIGBEE = ["Does the hub work with Zigbee bulbs?", "Can I pair zigbee lights from another brand?",
          "Is Zigbee supported?"]


@pytest.fixture(scope="module")
def week(system: RunningSystem) -> None:
    """A week of 12 known conversations: 6 bot-resolved, 3 agent-resolved (labelled), 3 unanswered (Zigbee)."""
    recorder = OutcomeRecorder(create_engine(system.database_url))
    for n in range(6):
        record(recorder, Script(start=FIRST_DAY + timedelta(days=n % 3, hours=9 + n), csat=5 if n % 2 else 4,
                                comment="Very quick, thank you" if n == 0 else None))
    for n in range(3):
        record(recorder, Script(start=FIRST_DAY + timedelta(days=4, hours=14 + n), article=None,
                                reason=EscalationReason.THIRD_PARTY, queued_after=2, claimed_after=8,
                                agent_reply_after=20, ended_by="agent", ended_after=200, csat=2,
                                comment="Took a while", labels=("partner",) if n else ("partner", "vip")))
    for n, question in enumerate(ZIGBEE):
        record(recorder, Script(start=FIRST_DAY + timedelta(days=5, hours=n), article=None, question=question,
                                reason=EscalationReason.LOW_CONFIDENCE, queued_after=2, ended_after=40))


def open_dashboard(context: BrowserContext, url: str, username: str) -> Page:
    page = sign_in(context, url + "/dashboard", username)
    expect(page.locator("#app-view")).to_be_visible()
    return page


def show_week(page: Page) -> None:
    page.fill("#period-from", FIRST_DAY.date().isoformat())
    page.fill("#period-to", (FIRST_DAY + timedelta(days=6)).date().isoformat())
    page.click("#period-apply")
    expect(page.locator("body")).to_have_attribute("data-loaded", f"since={FIRST_DAY.date().isoformat()}T00%3A00%3A00"
                                                   f"&until={(FIRST_DAY + timedelta(days=7)).date().isoformat()}"
                                                   "T00%3A00%3A00")


def test_a_supervisor_sees_the_figures_and_charts_of_a_period(system: RunningSystem, context: BrowserContext,
                                                              week: None) -> None:
    page = open_dashboard(context, system.gateway.url, "super")
    show_week(page)
    expect(page.locator("[data-kpi='conversations'] .kpi-value")).to_have_text("12")
    expect(page.locator("[data-kpi='resolution'] .kpi-value")).to_have_text("75.0 %")
    expect(page.locator("[data-kpi='containment'] .kpi-value")).to_have_text("50.0 %")
    expect(page.locator("[data-kpi='csat'] .kpi-value")).to_have_text("66.7 %")  # 6 of 9 ratings are 4-5
    expect(page.locator("[data-kpi='first-response'] .kpi-value")).to_have_text("100.0 %")
    assert page.locator("#chart-days rect.bar").count() == 7 * 4  # 7 days × 4 outcomes, stacked
    hours = page.locator("#chart-hours rect.bar")
    assert sum(float(hours.nth(i).get_attribute("data-value") or 0) for i in range(24)) == 12
    expect(page.locator("#chart-reasons rect.bar[data-label='Third-party product']")).to_have_attribute("data-value",
                                                                                                   "3")
    expect(page.locator("#chart-csat rect.bar[data-label='2']")).to_have_attribute("data-value", "3")
    expect(page.locator("#agents")).to_contain_text("Alex Agent")
    expect(page.locator("#comments")).to_contain_text("Very quick, thank you")
    expect(page.locator("#gaps-section")).to_be_hidden()  # the content team's view



def test_reports_download_under_the_periods_name(system: RunningSystem, context: BrowserContext, week: None) -> None:
    """Each report is saved as a file named after the days shown (no tab with a temporary address)."""
    page = open_dashboard(context, system.gateway.url, "super")
    show_week(page)
    first, last = FIRST_DAY.date().isoformat(), (FIRST_DAY + timedelta(days=6)).date().isoformat()
    expect(page.locator("#period-label")).to_have_text(f"{first} – {last}")
    pages = len(context.pages)
    saved = {}
    for extension in ("pdf", "csv", "html"):
        with page.expect_download() as download:
            page.click(f"[data-report='{extension}']")
        assert download.value.suggested_filename == f"tandem-service-report_{first}_{last}.{extension}"
        saved[extension] = Path(download.value.path())
    assert len(context.pages) == pages  # nothing opened in a tab
    assert saved["pdf"].read_bytes().startswith(b"%PDF")
    assert saved["csv"].read_text().count("\n") == 12 + 1
    report = context.new_page()
    report.set_content(saved["html"].read_text())
    expect(report.locator("h1")).to_have_text("Service report")
    expect(report.locator("header")).to_contain_text(f"Period {first} – {last}")
    expect(report.locator("[data-check='resolution_rate']")).to_contain_text("75.0 %")
    expect(report.locator("figure.chart svg")).to_have_count(6)


def test_tiles_show_the_targets_and_the_previous_period(system: RunningSystem, context: BrowserContext,
                                                        week: None) -> None:
    page = open_dashboard(context, system.gateway.url, "super")
    show_week(page)
    targets = {"csat": "Target 90.0 % · missed", "first-response": "Target 95.0 % · met",
               "resolution": "Target 95.0 % · missed", "containment": "Target 60.0 % · missed"}
    for tile, shown in targets.items():
        expect(page.locator(f"[data-kpi='{tile}'] .kpi-target")).to_have_text(shown)
    expect(page.locator("[data-kpi='csat']")).to_have_class("kpi is-missed")
    expect(page.locator("[data-kpi='abandonment'] .kpi-value")).to_have_text("25.0 %")  # 3 Zigbee questions left
    expect(page.locator("[data-kpi='first-agent-reply'] .kpi-value")).to_have_text("18.0 s / 18.0 s")
    before = FIRST_DAY - timedelta(days=7)
    expect(page.locator("#comparison")).to_contain_text(f"{before.date()} – {(FIRST_DAY - timedelta(days=1)).date()}")
    expect(page.locator("[data-kpi='resolution'] .kpi-change")).to_contain_text("previous period")


def test_today_is_the_services_day_wherever_the_browser_is(system: RunningSystem, browser: Browser) -> None:
    """The service runs on UTC here; a browser a day ahead (or behind) still gets the service's today."""
    far = "Pacific/Kiritimati" if datetime.now(UTC).hour >= 12 else "Pacific/Pago_Pago"  # UTC+14 / UTC-11
    context = browser.new_context(timezone_id=far)
    try:
        page = open_dashboard(context, system.gateway.url, "super")
        page.click("[data-days='1']")
        expect(page.locator("#period-to")).to_have_value(datetime.now(UTC).date().isoformat())
        expect(page.locator("#period-from")).to_have_value(datetime.now(UTC).date().isoformat())
        expect(page.locator("#period-zone")).to_have_text("Days in UTC, the service's time zone")
    finally:
        context.close()


def test_charts_read_on_a_phone_without_a_mouse(system: RunningSystem, browser: Browser, week: None) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800})
    try:
        page = open_dashboard(context, system.gateway.url, "super")
        show_week(page)
        ticks = page.locator("#chart-reasons svg text").all_text_contents()
        assert [t for t in ticks if t.replace(".", "").isdigit() and "." in t] == []  # whole numbers on counts
        scale = page.eval_on_selector("#chart-days svg",
                                      "s => s.getBoundingClientRect().width / s.viewBox.baseVal.width")
        assert scale == pytest.approx(1, abs=0.02)  # drawn at its shown width: text is not shrunk
        assert page.eval_on_selector("#chart-days svg text", "t => getComputedStyle(t).fontSize") == "12px"
        page.locator("#chart-csat summary").focus()
        page.keyboard.press("Enter")  # the values, without hovering
        expect(page.locator("#chart-csat tbody tr").nth(1).locator("td.num")).to_have_text("3")  # three 2s
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # the agents table scrolls
        assert page.eval_on_selector(".tables .table-scroll", "s => s.scrollWidth > s.clientWidth")
        page.fill("#period-from", "2001-01-01")
        page.fill("#period-to", "2001-01-07")
        page.click("#period-apply")
        expect(page.locator("#chart-days .chart-empty")).to_have_text("No conversations in this period.")
        expect(page.locator("#chart-csat .chart-empty")).to_have_text("No ratings in this period.")
    finally:
        context.close()


def test_tiles_charts_and_comments_link_to_the_conversations_behind_them(system: RunningSystem,
                                                                        context: BrowserContext, week: None) -> None:
    page = open_dashboard(context, system.gateway.url, "super")
    show_week(page)
    shown = f"from={FIRST_DAY.date().isoformat()}&to={(FIRST_DAY + timedelta(days=6)).date().isoformat()}"
    expect(page.locator("[data-kpi='abandonment'] a")).to_have_attribute("href", f"/conversations?{shown}"
                                                                          "&outcome=abandoned")
    expect(page.locator("#conversations-link")).to_have_attribute("href", f"/conversations?{shown}")
    page.locator("#chart-outcomes summary").click()
    link = page.locator("#chart-outcomes tbody tr", has_text="Resolved by an agent").get_by_role("link")
    expect(link).to_have_attribute("href", f"/conversations?{shown}&outcome=agent_resolved")
    comment = page.locator("#comments li", has_text="Very quick, thank you").get_by_role("link")
    expect(comment).to_have_attribute("href", re.compile(rf"^/conversations\?{shown}&commented=true&open=\w+$"))
    page.select_option("#label-filter", "partner")
    expect(page.locator("#conversations-link")).to_have_attribute("href", f"/conversations?{shown}&label=partner")
    page.locator("#chart-outcomes summary").click()  # drawn again for the label
    link.click()  # the page opens with the filters set (tests/browser/test_conversations_page.py goes on from here)
    expect(page.locator("#filter-outcome")).to_have_value("agent_resolved")
    expect(page.locator("#list-status")).to_have_text("3 conversations.")


def test_the_content_team_sees_the_knowledge_gaps_only(system: RunningSystem, context: BrowserContext,
                                                       week: None) -> None:
    page = open_dashboard(context, system.gateway.url, "content")
    show_week(page)
    expect(page.locator("#metrics-section")).to_be_hidden()
    first = page.locator("#gaps .gap").first
    expect(first.locator(".gap-size")).to_have_text("3×")
    expect(first).to_contain_text("Zigbee")


def test_a_customer_rates_the_conversation_in_the_widget(system: RunningSystem, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(system.gateway.url + "/")
    page.click("#tandem-launcher")
    page.fill("#tandem-input", "How long does shipping take?")
    page.click("#tandem-send")
    expect(page.locator(".tandem-msg[data-role='bot']").last).to_contain_text("From:", timeout=60_000)  # under load
    page.click("#tandem-end")
    expect(page.locator("#tandem-rating")).to_be_visible()
    reference = page.locator("#tandem-reference").inner_text().rsplit(" ", 1)[-1]
    expect(page.locator("#tandem-rating-send")).to_be_disabled()
    page.click(".tandem-rating__score[data-score='4']")
    page.fill("#tandem-rating-comment", "Good answer, mail me at jo.bloggs@example.com")
    page.click("#tandem-rating-send")
    expect(page.locator("#tandem-rating-thanks")).to_be_visible()

    with create_engine(system.database_url).connect() as db:
        row = db.execute(text("SELECT csat, csat_comment FROM outcome_conversations WHERE session_id = :s"),
                         {"s": reference}).one()
    assert tuple(row) == (4, "Good answer, mail me at [EMAIL]")
    page.reload()
    page.click("#tandem-launcher")
    expect(page.locator("#tandem-rating-thanks")).to_be_visible()  # not asked twice
    expect(page.locator("#tandem-rating")).to_be_hidden()


def test_the_figures_can_be_narrowed_to_the_conversations_with_a_label(system: RunningSystem,
                                                                       context: BrowserContext, week: None) -> None:
    page = open_dashboard(context, system.gateway.url, "super")
    show_week(page)
    expect(page.locator("#label-filter option")).to_have_text(["All conversations", "partner (3)", "vip (1)"])
    page.select_option("#label-filter", "partner")
    expect(page.locator("body")).to_have_attribute("data-loaded", re.compile(r"&label=partner$"))
    expect(page.locator("[data-kpi='conversations'] .kpi-value")).to_have_text("3")
    expect(page.locator("[data-kpi='resolution'] .kpi-value")).to_have_text("100.0 %")
    page.select_option("#label-filter", "")
    expect(page.locator("[data-kpi='conversations'] .kpi-value")).to_have_text("12")
