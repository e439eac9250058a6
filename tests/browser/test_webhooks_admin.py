"""The admin page's webhooks section in real Chromium: add a webhook (its secret shown once), see
a delivery in the log, a bad URL refused with the reason, text kept inert, and delete it."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import BrowserContext, Dialog, expect

from tests.browser.staff import sign_in
from tests.support.clients import CustomerClient
from tests.support.receiver import Receiver, running_receiver
from tests.support.system import RunningSystem

pytestmark = [pytest.mark.browser, pytest.mark.integration]
XSS = 'CRM <img src=x onerror="document.body.dataset.pwned=1">'


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as receiver:
        yield receiver


def escalate_a_customer(ws_url: str) -> None:
    """A customer asks for a person (in a thread: sync Playwright holds the main thread's event loop)."""

    async def conversation() -> None:
        customer = await CustomerClient.open(ws_url)
        await customer.say("I want to talk to a real person please")
        await customer.wait_for(lambda f: f["type"] == "state" and f["state"] == "queued")
        await customer.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, conversation()).result()


def test_an_admin_adds_a_webhook_sees_its_deliveries_and_deletes_it(
    system: RunningSystem, context: BrowserContext, receiver: Receiver,
) -> None:
    page = sign_in(context, system.gateway.url + "/admin", "admin")
    page.fill("#webhook-url", "ftp://example.org/hook")
    page.click("#webhook-add")
    expect(page.locator("#page-error")).to_contain_text("URL scheme should be 'http' or 'https'")
    expect(page.locator("#webhook-secret")).to_be_hidden()

    page.fill("#webhook-url", receiver.url("/browser"))
    page.fill("#webhook-description", XSS)
    page.locator("#webhook-events input[value='conversation.rated']").uncheck()
    page.click("#webhook-add")
    expect(page.locator("#webhook-secret code")).to_have_text(re.compile(r"^whsec_\S{40,}$"))
    row = page.locator("#webhook-rows tr", has_text=receiver.url("/browser"))
    expect(row).to_contain_text(XSS)  # the description is text, not markup
    expect(row).not_to_contain_text("rated")
    assert page.locator("#webhook-rows img").count() == 0
    assert page.evaluate("document.body.dataset.pwned") is None

    escalate_a_customer(system.gateway.ws_url)
    receiver.wait_for(lambda got: any(r.path == "/browser" for r in got))
    page.select_option("#delivery-filter", "delivered")
    # this webhook's own row: other tests' endpoints (the API fuzz test registers some) log deliveries too, and the
    # rows shown before the filter applies may be theirs
    delivered = page.locator("#delivery-rows tr", has_text=receiver.url("/browser")).filter(has_text="escalated")
    deadline = time.monotonic() + 30
    while delivered.count() == 0 and time.monotonic() < deadline:  # the attempt is logged just after it arrives
        page.click("#delivery-refresh")
        page.wait_for_load_state("networkidle")
    expect(delivered.first).to_contain_text("HTTP 200")

    page.once("dialog", lambda dialog: dialog.accept() if isinstance(dialog, Dialog) else None)
    row.get_by_role("button", name="Delete").click()
    expect(page.locator("#page-message")).to_have_text("Webhook deleted.")
    expect(row).to_have_count(0)
