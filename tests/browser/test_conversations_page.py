"""The supervisors' conversations page in real Chromium: filters, words, paging, transcripts, and who may open it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import create_engine

from outcomes import EscalationReason, OutcomeRecorder
from tests.browser.staff import sign_in
from tests.outcomes.factories import Script, record
from tests.support.system import RunningSystem

pytestmark = [pytest.mark.browser, pytest.mark.integration]
DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=80)  # nobody else's day
SHOWN = f"from={DAY.date().isoformat()}&to={DAY.date().isoformat()}"
MARKUP = "Is <b>bold</b> <img src=x onerror=alert(1)> allowed?"


@pytest.fixture(scope="module")
def day(system: RunningSystem) -> None:
    """53 bot answers (one asks in markup), and two third-party questions an agent took (labelled "partner")."""
    recorder = OutcomeRecorder(create_engine(system.database_url))
    for n in range(53):
        record(recorder, Script(start=DAY + timedelta(minutes=10 * n), question=MARKUP if n == 0 else f"Reset {n}?"))
    for n in range(2):
        record(recorder, Script(start=DAY + timedelta(hours=20, minutes=n), article=None, labels=("partner",),
                                reason=EscalationReason.THIRD_PARTY, queued_after=2, claimed_after=5,
                                agent_reply_after=9, ended_by="agent", csat=2, comment="Took a while",
                                question="Does it work with my Netflix box?"))


def test_a_supervisor_pages_filters_and_searches_the_conversations(system: RunningSystem, context: BrowserContext,
                                                                   day: None) -> None:
    page = sign_in(context, f"{system.gateway.url}/conversations?{SHOWN}", "super")
    expect(page.locator("#list-status")).to_have_text("55 conversations, 1–50 shown.")
    expect(page.locator("#staff-nav a[aria-current='page']")).to_have_text("Conversations")
    expect(page.locator("#conversation-list tbody tr")).to_have_count(50)
    page.click("#page-next")
    expect(page.locator("#list-status")).to_have_text("55 conversations, 51–55 shown.")
    expect(page.locator("#page-position")).to_have_text("Page 2 of 2")
    expect(page).to_have_url(f"{system.gateway.url}/conversations?{SHOWN}&page=2")

    page.select_option("#filter-label", "partner")
    page.select_option("#filter-agent", label="Alex Agent")
    page.click("#filter-apply")
    expect(page.locator("#list-status")).to_have_text("2 conversations.")
    expect(page.locator("#conversation-list tbody tr").first).to_contain_text("Third-party product")
    expect(page.locator("#conversation-list tbody tr").first).to_contain_text("Took a while")

    page.select_option("#filter-label", "")
    page.select_option("#filter-agent", "")
    page.fill("#filter-q", "<b>bold</b>")
    page.press("#filter-q", "Enter")
    expect(page.locator("#list-status")).to_have_text("1 conversation.")
    page.locator("#conversation-list tbody tr").first.get_by_role("button", name="Open").click()
    expect(page.locator("#transcript")).to_be_focused()
    expect(page.locator("#transcript-lines li[data-role='customer'] .line-text")).to_have_text(MARKUP)
    assert page.locator("#transcript b, #transcript img, #conversation-list b").count() == 0  # text stays text
    assert "open=" in page.url and "q=%3Cb%3Ebold%3C%2Fb%3E" in page.url

    again = context.new_page()  # the address reopens the same view, transcript included
    again.goto(page.url)
    expect(again.locator("#list-status")).to_have_text("1 conversation.")
    expect(again.locator("#transcript")).to_be_visible()
    expect(again.locator("#filter-q")).to_have_value("<b>bold</b>")


def test_the_dashboard_links_into_it_with_the_filters_set(system: RunningSystem, context: BrowserContext,
                                                          day: None) -> None:
    page = sign_in(context, system.gateway.url + "/dashboard", "super")
    page.fill("#period-from", DAY.date().isoformat())
    page.fill("#period-to", DAY.date().isoformat())
    page.click("#period-apply")
    expect(page.locator("[data-kpi='conversations'] .kpi-value")).to_have_text("55")
    page.locator("#chart-reasons summary").click()
    page.locator("#chart-reasons tbody tr", has_text="Third-party product").get_by_role("link").click()
    expect(page).to_have_url(f"{system.gateway.url}/conversations?{SHOWN}&reason=third_party")
    expect(page.locator("#filter-reason")).to_have_value("third_party")
    expect(page.locator("#list-status")).to_have_text("2 conversations.")

    page.go_back()
    page.locator("#comments li", has_text="Took a while").first.get_by_role("link").click()
    expect(page.locator("#filter-commented")).to_be_checked()
    expect(page.locator("#transcript")).to_be_visible()
    expect(page.locator("#transcript-meta")).to_contain_text("rated 2/5: “Took a while”")


def test_agents_and_the_content_team_cannot_open_it(system: RunningSystem, context: BrowserContext) -> None:
    for username in ("agent1", "content"):
        page = sign_in(context, f"{system.gateway.url}/conversations", username)
        expect(page.locator("#login-error")).to_have_text("The conversations are for supervisors and admins.")
        expect(page.locator("#app-view")).to_be_hidden()
        expect(page.locator("#staff-nav a", has_text="Conversations")).to_have_count(0)
        page.click("#logout-btn")
        expect(page.locator("#session-bar")).to_be_hidden()
