"""The knowledge-base page in real Chromium: sign in, find, edit, publish, and ask the bot."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Dialog, expect
from sqlalchemy import create_engine

from outcomes import EscalationReason, OutcomeRecorder
from tests.browser.staff import sign_in
from tests.outcomes.factories import Script, record
from tests.support.system import RunningSystem, staff_token

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


def test_a_curator_previews_a_draft_and_edits_the_customers_words(
    system: RunningSystem, context: BrowserContext
) -> None:
    page = sign_in(context, system.gateway.url + "/content", "content")
    expect(page.locator("#vocabulary-list tr", has_text="base station")).to_be_visible()

    page.click("#new-btn")
    page.fill("#field-id", "hub-purple-glow")
    page.fill("#field-title", "Why does my hub glow <b>purple</b>?")
    page.fill("#field-questions", "The hub light is purple and it ignores me")
    page.fill("#field-body", "Purple means a firmware update is installing. Leave it plugged in.")
    page.fill("#ask-input", "my base station glows purple and ignores me")
    page.click("#preview-btn")  # unsaved: ranked with the published articles, nothing saved

    expect(page.locator("#ask-draft")).to_contain_text("The draft hub-purple-glow would rank #1")
    expect(page.locator("#ask-decided-by")).to_have_text("confident_article")  # the routing rule that decided
    expect(page.locator("#ask-signals")).to_contain_text("best_score")
    expect(page.locator("#ask-synonyms")).to_contain_text("“base station” → Lumen Hub")
    expect(page.locator("#ask-candidates tr.draft")).to_contain_text("Why does my hub glow <b>purple</b>?")
    assert page.locator("#ask-candidates b").count() == 0  # text stays text
    expect(page.locator("#article-list .article-item", has_text="hub-purple-glow")).to_have_count(0)

    page.fill("#term-name", "Lumen Strip")
    page.select_option("#term-kind", "product")
    page.fill("#term-synonyms", "Lumen Hub")
    page.click("#term-save")
    expect(page.locator("#page-error")).to_contain_text("belongs to both")
    page.fill("#term-synonyms", "light strip, lightstrip, tape light, ribbon light")
    page.click("#term-save")
    expect(page.locator("#vocabulary-message")).to_have_text("Saved Lumen Strip.")
    expect(page.locator("#vocabulary-list tr", has_text="ribbon light")).to_be_visible()


def test_the_editing_safety_net_drafts_reviews_confirms_and_restores(
    system: RunningSystem, context: BrowserContext
) -> None:
    page = sign_in(context, system.gateway.url + "/content", "content")
    dialogs: list[str] = []
    answers = {"accept": True}

    def answer(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        (dialog.accept if answers["accept"] else dialog.dismiss)()

    page.on("dialog", answer)
    page.click("#new-btn")
    page.fill("#field-id", "hub-winter-mode")
    page.fill("#field-title", "Does the Lumen Hub have a winter mode?")
    page.fill("#field-body", "Yes: open Settings, then Winter mode.")
    page.click("#save-btn")
    expect(page.locator("#editor-message")).to_have_text("Saved.")
    page.click("#publish-btn")
    expect(page.locator("#field-status")).to_have_text("published")
    expect(page.locator("#save-btn")).to_have_text("Save draft")

    # An edit to the live article waits as a draft, reviewed as a diff, then published explicitly.
    page.fill("#field-body", "Yes: open Settings, then Seasons, then Winter mode.")
    page.click("#save-btn")
    expect(page.locator("#editor-message")).to_contain_text("Saved as a draft")
    expect(page.locator("#field-draft")).to_contain_text("customers still get version 2")
    expect(page.locator("#field-status")).to_have_text("published")
    page.click("#review-btn")
    expect(page.locator("#version-heading")).to_contain_text("v2 (live) → draft by content")
    expect(page.locator("#version-text .diff-del")).to_contain_text("Yes: open Settings, then Winter mode.")
    expect(page.locator("#version-text .diff-add")).to_contain_text("then Seasons, then Winter mode.")
    page.click("#publish-btn")
    expect(page.locator("#editor-message")).to_have_text("Published: the bot answers with it now.")
    expect(page.locator("#field-draft")).to_be_hidden()
    expect(page.locator("#history-list li").first).to_contain_text("v3 edited by content")

    # An old version: viewed, restored as a new draft (the live one unchanged), and the draft discarded.
    page.locator("#history-list li[data-version='2'] button", has_text="View").click()
    expect(page.locator("#version-text")).to_contain_text("Yes: open Settings, then Winter mode.")
    page.click("#version-restore")
    expect(page.locator("#editor-message")).to_contain_text("Version 2 restored as a draft")
    expect(page.locator("#field-body")).to_have_value("Yes: open Settings, then Winter mode.")
    expect(page.locator("#field-version")).to_have_text("version 3")
    page.click("#discard-btn")
    expect(page.locator("#field-body")).to_have_value("Yes: open Settings, then Seasons, then Winter mode.")
    expect(page.locator("#field-draft")).to_be_hidden()

    # Unsaved edits are not dropped silently: switching articles asks, and "Cancel" keeps them.
    page.fill("#field-body", "Unsaved words")
    answers["accept"] = False
    page.locator("#article-list .article-item").first.click()
    expect(page.locator("#field-body")).to_have_value("Unsaved words")
    page.click("#new-btn")
    expect(page.locator("#field-body")).to_have_value("Unsaved words")
    assert dialogs[-2:] == ["This article has unsaved edits. Discard them?"] * 2

    # Retiring asks first.
    page.fill("#field-body", "Yes: open Settings, then Seasons, then Winter mode.")
    page.click("#retire-btn")
    expect(page.locator("#editor-message")).to_have_text("Not retired.")
    expect(page.locator("#field-status")).to_have_text("published")
    answers["accept"] = True
    page.click("#retire-btn")
    expect(page.locator("#editor-message")).to_have_text("Retired.")
    assert "The bot stops answering with it at once" in dialogs[-1]

    # Leaving the page with unsaved edits asks too (the browser's own "Leave site?" dialog).
    page.fill("#field-body", "More unsaved words")
    with page.expect_event("dialog") as leaving:
        page.close(run_before_unload=True)
    assert leaving.value.type == "beforeunload"


def test_a_curator_finds_articles_by_words_and_imports_and_exports_on_the_page(
    system: RunningSystem, context: BrowserContext, tmp_path: Path
) -> None:
    page = sign_in(context, system.gateway.url + "/content", "content")
    page.fill("#search-input", "reset hub")  # the words in another order than the article's
    expect(page.locator("#article-list .article-item", has_text="hub-reset")).to_be_visible()
    page.select_option("#product-filter", "Lumen Hub")
    expect(page.locator("#article-list .article-item", has_text="bulb-reset")).to_have_count(0)
    expect(page.locator("#article-list .article-item", has_text="hub-reset")).to_be_visible()

    upload = tmp_path / "winter.json"
    upload.write_text(json.dumps([{"id": "hub-snow", "title": "Does snow harm the Lumen Hub?",
                                   "body": "Keep it indoors.", "product": "Lumen Hub"}]))
    page.set_input_files("#import-file", str(upload))
    expect(page.locator("#list-message")).to_have_text("Imported winter.json: 1 created, 0 updated, 0 unchanged.")
    page.fill("#search-input", "")
    page.select_option("#product-filter", "")
    page.select_option("#sort-order", "last_edit")
    newest = page.locator("#article-list .article-item").first
    expect(newest).to_contain_text("hub-snow")
    expect(newest).to_contain_text("edited by content")

    page.select_option("#export-format", "csv")
    with page.expect_download() as download:
        page.click("#export-btn")
    assert download.value.suggested_filename == "articles.csv"
    assert "hub-snow" in Path(download.value.path()).read_text()


def test_the_content_team_finds_the_articles_that_fail(system: RunningSystem, context: BrowserContext) -> None:
    yesterday = datetime.now(UTC) - timedelta(days=1)
    recorder = OutcomeRecorder(create_engine(system.database_url))
    for n in range(4):  # answered, then "no, that didn't help", a person, and a poor rating
        record(recorder, Script(start=yesterday + timedelta(minutes=n), article="dimmer-switch-mounting", csat=1,
                                reason=EscalationReason.NOT_HELPFUL, queued_after=3))
    created = httpx.post(f"{system.gateway.url}/api/content/articles", timeout=60,
                         headers={"Authorization": f"Bearer {staff_token(system.gateway.url, 'content')}"},
                         json={"id": "stats-markup", "title": "Is <b>bold</b> shown as text?", "body": "Yes."})
    assert created.status_code == 201, created.text
    page = sign_in(context, system.gateway.url + "/content", "content")
    stats = page.locator("#article-stats")
    expect(stats).to_have_attribute("data-loaded", "30")
    page.select_option("#article-stats-period", "7")
    expect(stats).to_have_attribute("data-loaded", "7")
    row = stats.locator("tr[data-article='dimmer-switch-mounting']")
    expect(row.locator("td")).to_have_text(["published", "4", "0", "4", "4", "100 % (4)"])
    expect(row.locator("th")).to_contain_text("dimmer-switch-mounting")
    expect(stats.locator("tr[data-article='stats-markup'] th")).to_contain_text("Is <b>bold</b> shown as text?")
    assert stats.locator("b").count() == 0  # titles stay text

    page.get_by_role("button", name="Escalated after").click()  # most escalations first
    expect(stats.locator("th[data-key='escalated']")).to_have_attribute("aria-sort", "descending")
    escalated = [int(text) for text in stats.locator("tbody tr td:nth-child(6)").all_inner_texts()]
    assert escalated == sorted(escalated, reverse=True) and escalated[0] >= 4
    page.get_by_role("button", name="Escalated after").click()  # and the other way round
    expect(stats.locator("th[data-key='escalated']")).to_have_attribute("aria-sort", "ascending")
    expect(stats.locator("tbody tr").last).to_have_attribute("data-article", re.compile(".+"))
    escalated = [int(text) for text in stats.locator("tbody tr td:nth-child(6)").all_inner_texts()]
    assert escalated == sorted(escalated)
