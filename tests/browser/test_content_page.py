"""The knowledge-base page in real Chromium: sign in, find, edit, publish, and ask the bot."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.staff import sign_in
from tests.support.system import RunningSystem

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_an_agent_account_cannot_open_the_content_page(system: RunningSystem, context: BrowserContext) -> None:
    page = sign_in(context, system.gateway.url + "/content", "agent1")

    expect(page.locator("#login-error")).to_contain_text("cannot edit the knowledge base")
    expect(page.locator("#app-view")).to_be_hidden()


def test_a_curator_writes_an_article_publishes_it_and_sees_what_the_bot_answers(
    system: RunningSystem, context: BrowserContext
) -> None:
    page = sign_in(context, system.gateway.url + "/content", "content")
    expect(page.locator("#article-list .article-item").first).to_be_visible()

    page.fill("#search-input", "pinhole")
    expect(page.locator("#article-list .article-item", has_text="reset").first).to_be_visible()

    page.click("#new-btn")
    page.fill("#field-id", "hub-in-garage")
    page.fill("#field-title", "Can I install the Lumen Hub in an unheated <i>garage</i>?")
    page.fill("#field-questions", "Will the hub survive freezing temperatures?")
    page.fill("#field-body", "Yes, between -10 °C and 45 °C. Keep it dry.")
    page.click("#save-btn")
    expect(page.locator("#editor-message")).to_have_text("Saved.")
    expect(page.locator("#field-status")).to_have_text("draft")

    page.click("#publish-btn")
    expect(page.locator("#field-status")).to_have_text("published")
    expect(page.locator("#history-list li").first).to_contain_text("v2 published by content")

    page.fill("#ask-input", "Will the hub survive freezing temperatures?")
    page.click("#ask-submit")
    expect(page.locator("#ask-action")).to_have_text("answer")
    first = page.locator("#ask-candidates tr").first
    expect(first).to_contain_text("Can I install the Lumen Hub in an unheated <i>garage</i>? (hub-in-garage)")
    expect(first).to_contain_text("paraphrase")
    assert page.locator("#ask-candidates i, #article-list i, #editor-heading i").count() == 0  # text stays text

    page.fill("#ask-input", "What is the capital of Mongolia?")
    page.click("#ask-submit")
    expect(page.locator("#ask-action")).to_have_text("escalate")
