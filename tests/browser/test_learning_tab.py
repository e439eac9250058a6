"""The content page's Proposals and Gaps tabs in real Chromium: accept, edit then publish, merge, reject; gaps
with their state and "Create article from this"."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from tests.browser.staff import sign_in
from tests.support.learning import answered_by_an_agent
from tests.support.system import RunningSystem, staff_token

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ASKED = {
    "accept": ("Do you offer a student discount when buying Lumen bulbs?",
               "Yes, ten percent off with a valid student card: enter the code study at checkout."),
    "edit": ("Is there a Lumen <b>showroom</b> where I can see the lamps in person?",
             "Not yet: our lamps are sold online only, with free returns for 30 days."),
    "merge": ("can the light tape be trimmed with scissors so it fits my bookshelf",
              "Yes, cut only on the marked copper lines every 10 cm, then seal the end with the cap."),
    "reject": ("Can I pay for my Lumen order in monthly instalments?", "Not at the moment, sorry."),
}


@pytest.fixture(scope="module")
def asked(system: RunningSystem) -> None:
    """Four customers the bot could not help, each answered by an agent (one proposal each)."""
    token = staff_token(system.gateway.url, "agent1")

    async def conversations() -> None:
        for question, answer in ASKED.values():
            await answered_by_an_agent(system.gateway.ws_url, token, question, answer)

    with ThreadPoolExecutor(1) as thread:  # Playwright's event loop owns this thread
        thread.submit(asyncio.run, conversations()).result()


def proposal(page: Page, key: str) -> Locator:
    return page.locator("#proposal-list > li", has_text=ASKED[key][0])


def test_a_curator_accepts_edits_merges_and_rejects_proposals(
    system: RunningSystem, context: BrowserContext, asked: None
) -> None:
    page = sign_in(context, system.gateway.url + "/content", "content")
    for key in ASKED:
        expect(proposal(page, key)).to_be_visible()
    expect(proposal(page, "accept")).to_contain_text("1 customer asked")
    expect(proposal(page, "accept")).to_contain_text(ASKED["accept"][1])
    expect(proposal(page, "accept").locator(".proposal-today")).to_contain_text("decided by")
    assert page.locator("#proposal-list b").count() == 0  # the customer's markup stays text

    proposal(page, "accept").get_by_role("button", name="Accept").click()
    expect(page.locator("#learning-message")).to_contain_text("accepted")
    expect(proposal(page, "accept")).to_have_count(0)
    page.fill("#ask-input", ASKED["accept"][0])
    page.click("#ask-submit")
    expect(page.locator("#ask-action")).to_have_text("answer")

    edited = proposal(page, "edit")
    edited.get_by_role("button", name="Edit then publish…").click()
    edited.get_by_label("Id", exact=True).fill("lumen-showroom")
    edited.get_by_label("Title", exact=True).fill("Can I see Lumen lamps in a showroom?")
    edited.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator("#learning-message")).to_contain_text("lumen-showroom (version 1) is live")
    expect(page.locator("#article-list .article-item", has_text="Can I see Lumen lamps in a showroom?")).to_be_visible()

    merged = proposal(page, "merge")
    merged.get_by_role("button", name="Merge into…").click()
    merged.get_by_label("Article id").fill("strip-cutting")
    merged.get_by_role("button", name="Merge", exact=True).click()
    expect(page.locator("#learning-message")).to_contain_text("merged")
    expect(page.locator("#learning-message")).to_contain_text("strip-cutting")

    rejected = proposal(page, "reject")
    rejected.get_by_role("button", name="Reject…").click()
    rejected.get_by_role("button", name="Reject", exact=True).click()  # no reason: the form asks for one
    expect(rejected).to_be_visible()
    rejected.get_by_label("Reason").fill("we do not offer instalments")
    with page.expect_response("**/api/learning/proposals"):  # the lists refresh (as after another decision)...
        page.evaluate("document.dispatchEvent(new CustomEvent('tandem:content-enter'))")
    expect(rejected.get_by_label("Reason")).to_have_value("we do not offer instalments")  # ...the open form stays
    rejected.get_by_role("button", name="Reject", exact=True).click()
    expect(page.locator("#learning-message")).to_contain_text("rejected")
    expect(rejected).to_have_count(0)

    page.click("#tab-gaps")
    page.select_option("#gap-state", "answered")
    expect(page.locator("#gap-list > li", has_text="showroom")).to_contain_text("answered by lumen-showroom")
    page.select_option("#gap-state", "open")
    gap = page.locator("#gap-list > li", has_text=ASKED["reject"][0])
    expect(gap).to_contain_text("Signals:")
    gap.get_by_role("button", name="Create article from this").click()
    expect(page.locator("#field-title")).to_have_value(ASKED["reject"][0])
    expect(page.locator("#field-status")).to_have_text("draft")
    expect(page.locator("#gap-list > li", has_text=ASKED["reject"][0])).to_contain_text("written for it")
