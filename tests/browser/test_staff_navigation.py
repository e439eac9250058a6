"""One sign-in for every staff page and tab, and the navigation bar of the pages the role may open."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.staff import sign_in
from tests.support.system import RunningSystem

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def nav_titles(page: Page) -> list[str]:
    links = page.locator("#staff-nav a")
    expect(links.first).to_be_visible()
    return [text.strip() for text in links.all_inner_texts()]


def test_one_sign_in_opens_every_page_of_the_role_in_new_tabs_until_signing_out(
    system: RunningSystem, context: BrowserContext
) -> None:
    content = sign_in(context, system.gateway.url + "/content", "content")
    expect(content.locator("#app-view")).to_be_visible()
    assert nav_titles(content) == ["Knowledge base", "Service dashboard"]
    expect(content.locator("#staff-nav a[aria-current='page']")).to_have_text("Knowledge base")
    assert content.evaluate("document.cookie") == ""  # HttpOnly: the page's scripts never see the token

    dashboard = context.new_page()  # a new tab: signed in already, no form
    dashboard.goto(system.gateway.url + "/content")
    expect(dashboard.locator("#app-view")).to_be_visible()
    dashboard.click("#staff-nav a:text('Service dashboard')")
    expect(dashboard).to_have_url(system.gateway.url + "/dashboard")
    expect(dashboard.locator("#app-view")).to_be_visible()
    expect(dashboard.locator("#login-view")).to_be_hidden()
    expect(dashboard.locator("#staff-nav a[aria-current='page']")).to_have_text("Service dashboard")

    dashboard.click("#logout-btn")
    expect(dashboard.locator("#login-view")).to_be_visible()
    expect(dashboard.locator("#staff-nav")).to_be_hidden()
    content.reload()  # signed out everywhere
    expect(content.locator("#login-view")).to_be_visible()
    expect(content.locator("#app-view")).to_be_hidden()


def test_the_navigation_bar_shows_only_the_pages_each_role_may_open(
    system: RunningSystem, browser: Browser
) -> None:
    expected = {
        "admin": ["Agent console", "Knowledge base", "Service dashboard", "Conversations", "NLU retraining"],
        "super": ["Agent console", "Service dashboard", "Conversations"],
        "agent1": ["Agent console"],
    }
    for username, titles in expected.items():
        context = browser.new_context()  # a browser of its own: one session per browser
        try:
            page = sign_in(context, system.gateway.url + "/dashboard", username)
            assert nav_titles(page) == titles, username
        finally:
            context.close()


def test_a_page_the_role_may_not_open_says_so_and_offers_the_pages_it_may(
    system: RunningSystem, context: BrowserContext
) -> None:
    console = sign_in(context, system.gateway.url + "/console", "agent1")
    expect(console.locator("#app-view")).to_have_attribute("data-ready", "true")
    content = context.new_page()
    content.goto(system.gateway.url + "/content")
    expect(content.locator("#login-error")).to_contain_text("cannot edit the knowledge base")
    expect(content.locator("#app-view")).to_be_hidden()
    assert nav_titles(content) == ["Agent console"]
