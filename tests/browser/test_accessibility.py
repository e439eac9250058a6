"""Every staff page and the widget pass axe-core's checks (no serious or critical violation), in real Chromium.

axe-core is pinned in package.json and injected from node_modules, so the check runs offline.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.staff import open_console, sign_in
from tests.support.system import RunningSystem

pytestmark = [pytest.mark.browser, pytest.mark.integration]
AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"
SERIOUS = ("serious", "critical")
RUN_AXE = """async () => (await axe.run(document, { resultTypes: ['violations'] })).violations.map((v) => ({
  id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))"""


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    assert AXE.exists(), "axe-core is missing: run `make setup` (npm ci)"
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(RUN_AXE)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {v['nodes']}" for v in found if v["impact"] in SERIOUS]


def test_the_sign_in_form(system: RunningSystem, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(system.gateway.url + "/dashboard")
    expect(page.locator("#login-form")).to_be_visible()
    assert serious_violations(page) == []


def test_the_agent_console(system: RunningSystem, context: BrowserContext) -> None:
    page = open_console(context, system.gateway.url, "super")
    assert serious_violations(page) == []


def test_the_dashboard(system: RunningSystem, context: BrowserContext) -> None:
    page = sign_in(context, system.gateway.url + "/dashboard", "admin")  # figures and knowledge gaps
    expect(page.locator("body")).to_have_attribute("data-loaded", re.compile(".+"))
    tables = page.locator(".chart-values summary")
    if tables.count():
        tables.first.click()  # a values table open too
    assert serious_violations(page) == []


def test_the_conversations_page_with_a_transcript_open(system: RunningSystem, context: BrowserContext) -> None:
    page = sign_in(context, system.gateway.url + "/conversations?from=2000-01-01&to=2100-12-31", "super")
    expect(page.locator("body")).to_have_attribute("data-loaded", re.compile(".+"))
    opened = page.locator("#conversation-list tbody button")
    if opened.count():
        opened.first.click()
        expect(page.locator("#transcript")).to_be_visible()
    assert serious_violations(page) == []


def test_the_content_page(system: RunningSystem, context: BrowserContext) -> None:
    page = sign_in(context, system.gateway.url + "/content", "content")
    page.locator("#article-list .article-item").first.click()
    expect(page.locator("#editor")).to_be_visible()
    expect(page.locator("#article-stats")).to_have_attribute("data-loaded", re.compile(".+"))  # the figures too
    assert serious_violations(page) == []


def test_the_admin_page(system: RunningSystem, context: BrowserContext) -> None:
    page = sign_in(context, system.gateway.url + "/admin", "admin")
    expect(page.locator("#app-view")).to_be_visible()
    assert serious_violations(page) == []


def test_the_widget_from_question_to_rating(system: RunningSystem, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(system.gateway.url + "/")
    assert serious_violations(page) == []  # the demo page with the closed widget
    page.click("#tandem-launcher")
    page.fill("#tandem-input", "How long does shipping take?")
    page.click("#tandem-send")
    expect(page.locator(".tandem-msg[data-role='bot']").last).to_contain_text("From:", timeout=60_000)
    assert serious_violations(page) == []
    page.click("#tandem-end")
    expect(page.locator("#tandem-rating")).to_be_visible()
    # The rating comes next, so focus goes to it rather than past it.
    expect(page.locator(".tandem-rating__score[data-score='1']")).to_be_focused()
    assert serious_violations(page) == []
