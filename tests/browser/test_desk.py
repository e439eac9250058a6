"""The agent's desk in real Chromium: a suggested answer and a ``/shortcut`` put into the reply box,
the supervisors' canned-response form, and labels in the queue, its filter and the outcome record.

Customers are found in the console by their session id, as in test_handoff_pages.py (whose helpers
and fixtures these tests share); canned responses made here use shortcuts of their own and are deleted.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session as SqlSession

from outcomes import ConversationRecord
from tests.browser.staff import open_console
from tests.browser.test_handoff_pages import (  # noqa: F401 (contexts, patient_expect: fixtures)
    claim,
    contexts,
    new_context,
    open_customer,
    patient_expect,
    queue_item,
)
from tests.support.system import RunningSystem, staff_token

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def outcome_record(system: RunningSystem, session_id: str, timeout_s: float = 30) -> ConversationRecord:
    """The conversation's outcome row, once the closer has written it."""
    engine = create_engine(system.database_url)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            with SqlSession(engine, expire_on_commit=False) as db:
                record = db.get(ConversationRecord, session_id)
            if record is not None:
                return record
            assert time.monotonic() < deadline, f"no outcome record for {session_id}"
            time.sleep(0.2)
    finally:
        engine.dispose()


@pytest.fixture
def shortcut(system: RunningSystem) -> Iterator[str]:
    """A shortcut of this test's own; whatever was made with it is deleted afterwards."""
    name = f"greet{uuid.uuid4().hex[:6]}"
    yield name
    headers = {"Authorization": f"Bearer {staff_token(system.gateway.url, 'super')}"}
    for canned in httpx.get(f"{system.gateway.url}/api/handoff/canned", headers=headers).json():
        if canned["shortcut"] == name:
            httpx.delete(f"{system.gateway.url}/api/handoff/canned/{canned['id']}", headers=headers)


def test_an_agent_inserts_a_suggested_answer_and_a_shortcut_a_supervisor_made(
    system: RunningSystem, browser: Browser, contexts: list[BrowserContext], shortcut: str  # noqa: F811
) -> None:
    url = system.gateway.url
    supervisor = open_console(new_context(browser, contexts), url, "super")
    panel = supervisor.locator("#canned-panel")
    expect(panel).to_be_visible()
    supervisor.fill("#canned-shortcut", shortcut)
    supervisor.fill("#canned-text", "Hi {first_name}!")
    supervisor.click("#canned-save")
    expect(supervisor.locator("#canned-form-error")).to_contain_text("unknown placeholder {first_name}")
    supervisor.fill("#canned-text", "Hi {customer_first_name}, {agent_name} here — one moment.")
    supervisor.click("#canned-save")
    expect(panel.locator(f".canned-row[data-shortcut='{shortcut}']")).to_contain_text("{agent_name} here")
    expect(supervisor.locator("#canned-form-error")).to_be_hidden()

    agent = open_console(new_context(browser, contexts), url, "agent1")
    customer = open_customer(new_context(browser, contexts), url)
    customer.send("My name is Dana Scully.")
    customer.ask_for_a_person()
    claim(agent, customer)
    agent.fill("#reply-input", "Hello, how can I help?")
    agent.click("#reply-send")
    customer.send("How do I factory reset my Lumen Hub?")

    suggestions = agent.locator("#suggestions")
    expect(suggestions).to_contain_text("For: “How do I factory reset my Lumen Hub?”")
    best = suggestions.locator(".suggestion").first
    expect(best).to_have_attribute("data-article-id", "hub-reset")
    expect(best.locator(".suggestion-score")).to_have_text(re.compile(r"^\d{1,3}$"))
    answer = best.locator(".suggestion-answer").text_content() or ""
    assert answer and "**" not in answer
    best.locator(".suggestion-use").click()
    reply = agent.locator("#reply-input")
    expect(reply).to_have_value(answer)
    reply.press("Control+End")
    reply.type(" Anything else?")
    agent.click("#reply-send")
    expect(customer.page.locator(".tandem-msg[data-role='agent']").last).to_contain_text("Anything else?")

    reply.type(f"/{shortcut[:7]}")
    option = agent.locator(f"#shortcut-menu [data-shortcut='{shortcut}']")
    expect(option).to_be_visible()
    reply.press("Enter")  # picks the response; it does not send
    expect(reply).to_have_value("Hi Dana, Alex Agent here — one moment.")
    expect(agent.locator("#shortcut-menu")).to_be_hidden()
    reply.press("Enter")
    expect(customer.page.locator(".tandem-msg[data-role='agent']").last).to_contain_text("Hi Dana, Alex Agent here")

    agent.click("#resolve-btn")
    record = outcome_record(system, customer.session_id)
    assert record.agent_article_ids == ["hub-reset"] and record.outcome == "agent_resolved"


def test_agents_label_conversations_filter_the_queue_and_the_record_keeps_the_labels(
    system: RunningSystem, browser: Browser, contexts: list[BrowserContext]  # noqa: F811
) -> None:
    url = system.gateway.url
    agent = open_console(new_context(browser, contexts), url, "agent1")
    supervisor = open_console(new_context(browser, contexts), url, "super")
    first = open_customer(new_context(browser, contexts), url)
    first.ask_for_a_person()
    second = open_customer(new_context(browser, contexts), url)
    second.ask_for_a_person()
    label = f"refund {uuid.uuid4().hex[:4]}"

    queue_item(agent, first).locator(".queue-open").click()
    labels = agent.locator("#conversation-labels")
    expect(labels).to_be_visible()
    agent.fill("#label-input", "<b>loud</b>")
    agent.press("#label-input", "Enter")
    expect(agent.locator("#console-error")).to_contain_text("may only use letters")
    assert agent.locator("#labels-list b, .queue-labels b").count() == 0  # shown as text, never markup
    agent.fill("#label-input", label.upper())
    agent.press("#label-input", "Enter")
    expect(labels.locator(f".label-chip[data-label='{label}']")).to_be_visible()
    expect(agent.locator("#label-input")).to_have_value("")
    expect(queue_item(agent, first).locator(".queue-labels")).to_have_text(label)
    expect(queue_item(supervisor, first).locator(".queue-labels")).to_have_text(label)  # every console follows

    supervisor.select_option("#label-filter", label)
    expect(queue_item(supervisor, first)).to_be_visible()
    expect(queue_item(supervisor, second)).to_be_hidden()
    supervisor.select_option("#label-filter", "")
    expect(queue_item(supervisor, second)).to_be_visible()

    agent.fill("#label-input", "vip")
    agent.press("#label-input", "Enter")
    expect(queue_item(agent, first).locator(".tag-label")).to_have_count(2)
    labels.locator(f".label-chip[data-label='{label}'] .label-remove").click()
    expect(queue_item(agent, first).locator(".queue-labels")).to_have_text("vip")

    claim(agent, first)
    agent.click("#resolve-btn")
    assert outcome_record(system, first.session_id).labels == ["vip"]
    second.end()
