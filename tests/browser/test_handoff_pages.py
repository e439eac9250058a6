"""The handoff pages in real Chromium: the widget while queued, and the console's agent and supervisor tools.

Every customer here is found in the console by its session id (read from the widget's ``session``
frame), so leftovers of other tests in the shared queue cannot be mistaken for it. Each test ends
its customers' chats so the queue stays short.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, WebSocketRoute, expect

from tests.browser.staff import open_console
from tests.support.system import RunningSystem, staff_token

pytestmark = [pytest.mark.browser, pytest.mark.integration]

ASK_FOR_A_PERSON = "can I talk to a person"
CANNED = {"wait": "Thanks for waiting — I'm looking into it now.", "order": "Could you send me your order number?"}


@dataclass
class Customer:
    page: Page
    frames: list[dict[str, Any]] = field(default_factory=list)

    @property
    def session_id(self) -> str:
        ids = [f["session_id"] for f in self.frames if f.get("type") == "session"]
        assert ids, "the widget has not received its session yet"
        return str(ids[-1])

    def send(self, text: str) -> None:
        self.page.fill("#tandem-input", text)
        self.page.click("#tandem-send")

    def ask_for_a_person(self) -> None:
        self.send(ASK_FOR_A_PERSON)
        expect(self.page.locator("#tandem-status")).to_contain_text("in the queue")

    def end(self) -> None:
        if self.page.locator("#tandem-end").is_enabled():
            self.page.click("#tandem-end")
            expect(self.page.locator("#tandem-ended")).to_be_visible()


def open_customer(context: BrowserContext, url: str, frames: list[dict[str, Any]] | None = None) -> Customer:
    page = context.new_page()
    customer = Customer(page, frames if frames is not None else [])

    def on_socket(socket: Any) -> None:
        def on_frame(payload: str | bytes) -> None:
            if isinstance(payload, str):
                customer.frames.append(json.loads(payload))

        socket.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    page.goto(url + "/")
    page.click("#tandem-launcher")
    expect(page.locator("#tandem-panel")).to_be_visible()
    return customer


def queue_item(agent: Page, customer: Customer) -> Locator:
    return agent.locator(f".queue-item[data-session-id='{customer.session_id}']")


def claim(agent: Page, customer: Customer) -> None:
    item = queue_item(agent, customer)
    item.locator(".claim-btn").click()
    try:
        expect(item).to_contain_text("Assigned to you")
    except AssertionError as exc:  # say why the server refused, if it did
        refusal = agent.locator("#console-error").text_content()
        raise AssertionError(f"claim failed; console error: {refusal!r}") from exc


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    """The bot and three browsers share two cores here: give each expectation some slack."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Separate browser profiles (one per person), closed at the end."""
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


def new_context(browser: Browser, contexts: list[BrowserContext]) -> BrowserContext:
    context = browser.new_context()
    context.set_default_timeout(20_000)
    contexts.append(context)
    return context


def test_a_queued_customer_sees_position_and_wait_and_can_go_back_to_the_bot(
    system: RunningSystem, browser: Browser, contexts: list[BrowserContext]
) -> None:
    url = system.gateway.url
    agent = open_console(new_context(browser, contexts), url, "agent1")  # someone is online: not an offline ticket
    customer = open_customer(new_context(browser, contexts), url)
    page = customer.page

    customer.ask_for_a_person()
    status = page.locator("#tandem-status")
    expect(status).to_contain_text(re.compile(r"You are number \d+ in the queue\. Estimated wait: "))
    expect(page.locator("#tandem-contact-form")).to_be_hidden()
    expect(queue_item(agent, customer)).to_be_visible()

    customer.send("Still here, waiting")  # the customer can keep writing while queued
    expect(page.locator(".tandem-msg--customer").last).to_contain_text("Sent")

    page.click("#tandem-cancel-handoff")
    expect(status).to_be_hidden()
    system_note = page.locator(".tandem-msg[data-role='system']").last
    expect(system_note).to_have_text(re.compile("You are back with the assistant"))
    expect(queue_item(agent, customer)).to_have_count(0)

    customer.send("How do I factory reset my Lumen Hub?")  # the bot answers again
    expect(page.locator("#tandem-transcript > li").last).to_have_attribute("data-role", "bot")
    customer.end()


@pytest.fixture
def canned_replies(system: RunningSystem) -> Iterator[dict[str, str]]:
    """CANNED as canned responses (shortcut: text) of this test's own, deleted afterwards."""
    headers = {"Authorization": f"Bearer {staff_token(system.gateway.url, 'super')}"}
    suffix = uuid.uuid4().hex[:6]
    made = [httpx.post(f"{system.gateway.url}/api/handoff/canned", headers=headers,
                       json={"shortcut": f"{shortcut}{suffix}", "text": text}).json()
            for shortcut, text in CANNED.items()]
    yield {canned["shortcut"]: canned["text"] for canned in made}
    for canned in made:
        httpx.delete(f"{system.gateway.url}/api/handoff/canned/{canned['id']}", headers=headers)


def test_an_agent_uses_canned_replies_internal_notes_and_transfers_to_billing(
    system: RunningSystem, browser: Browser, contexts: list[BrowserContext], canned_replies: dict[str, str]
) -> None:
    url = system.gateway.url
    agent = open_console(new_context(browser, contexts), url, "agent1")
    customer = open_customer(new_context(browser, contexts), url)
    customer.ask_for_a_person()

    item = queue_item(agent, customer)
    expect(item.locator(".tag-queue")).to_have_text("General")
    claim(agent, customer)
    expect(customer.page.locator("#tandem-status")).to_contain_text("Alex Agent")

    # Agents (role agent) may move a chat to a queue, not to a colleague.
    options = agent.locator("#transfer-select option")
    expect(options.filter(has_text="Billing queue")).to_have_count(1)
    assert not [v for v in options.evaluate_all("els => els.map(e => e.value)") if v.startswith("agent:")]

    order = next(shortcut for shortcut, text in canned_replies.items() if text == CANNED["order"])
    agent.select_option("#canned-replies", order)
    expect(agent.locator("#reply-input")).to_have_value(CANNED["order"])
    agent.click("#reply-send")
    expect(customer.page.locator(".tandem-msg[data-role='agent']").last).to_contain_text("order number")

    agent.check("#reply-internal")
    agent.fill("#reply-input", "Internal: billing should check the refund")
    agent.click("#reply-send")
    note = agent.locator("#conversation .msg--internal").last
    expect(note).to_contain_text("billing should check the refund")
    expect(note).to_contain_text("internal note")

    agent.select_option("#transfer-select", "queue:billing")
    agent.click("#transfer-btn")
    expect(item).to_have_attribute("data-queue", "billing")
    expect(item).to_have_attribute("data-state", "queued")
    expect(item.locator(".tag-queue")).to_have_text("Billing")
    expect(agent.locator("#reply-input")).to_be_disabled()
    expect(customer.page.locator("#tandem-status")).to_contain_text("in the queue")
    expect(customer.page.locator("#tandem-transcript")).not_to_contain_text("billing should check")

    agent.select_option("#queue-filter", "technical")
    expect(item).to_be_hidden()
    agent.select_option("#queue-filter", "billing")
    expect(item).to_be_visible()
    customer.end()


def test_a_supervisor_sees_the_agents_and_assigns_a_waiting_chat_to_agent2(
    system: RunningSystem, browser: Browser, contexts: list[BrowserContext]
) -> None:
    url = system.gateway.url
    agent2 = open_console(new_context(browser, contexts), url, "agent2")  # online, so the chat stays with them
    supervisor = open_console(new_context(browser, contexts), url, "super")
    panel = supervisor.locator("#agents-panel")
    expect(panel).to_be_visible()
    blair = panel.locator(".agent-row[data-agent-id='agent2']")
    expect(blair).to_have_attribute("data-presence", "online")
    expect(blair).to_contain_text("Blair Agent")

    customer = open_customer(new_context(browser, contexts), url)
    customer.ask_for_a_person()
    queue_item(supervisor, customer).locator(".queue-open").click()
    expect(supervisor.locator("#transfer-btn")).to_have_text("Assign")
    supervisor.select_option("#transfer-select", "agent:agent2")
    supervisor.click("#transfer-btn")

    expect(queue_item(agent2, customer)).to_contain_text("Assigned to you")
    expect(customer.page.locator("#tandem-status")).to_contain_text("Blair Agent")
    expect(blair.locator(".agent-row-load")).to_have_text(re.compile(r"^[1-9]\d*/"))  # refreshed on session_state

    queue_item(agent2, customer).locator(".queue-open").click()
    agent2.fill("#reply-input", "Hi, Blair here — Sam passed your chat to me.")
    agent2.click("#reply-send")
    expect(customer.page.locator(".tandem-msg[data-role='agent']").last).to_contain_text("Blair here")
    customer.end()


def test_presence_and_signing_off_put_held_chats_back_in_the_queue(
    system: RunningSystem, browser: Browser, contexts: list[BrowserContext]
) -> None:
    url = system.gateway.url
    supervisor = open_console(new_context(browser, contexts), url, "super")
    agent = open_console(new_context(browser, contexts), url, "agent1")
    alex = supervisor.locator("#agents-panel .agent-row[data-agent-id='agent1']")
    expect(alex).to_have_attribute("data-presence", "online")

    agent.select_option("#presence-select", "away")
    expect(alex).to_have_attribute("data-presence", "away")  # refreshed on agent_presence
    agent.select_option("#presence-select", "online")
    expect(alex).to_have_attribute("data-presence", "online")

    customer = open_customer(new_context(browser, contexts), url)
    customer.ask_for_a_person()
    claim(agent, customer)
    expect(customer.page.locator("#tandem-status")).to_contain_text("Alex Agent")

    agent.click("#logout-btn")
    expect(agent.locator("#login-view")).to_be_visible()
    expect(customer.page.locator("#tandem-status")).to_contain_text("in the queue")
    expect(customer.page.locator("#tandem-transcript")).to_contain_text("Your agent has signed off")
    expect(queue_item(supervisor, customer)).to_have_attribute("data-state", "queued")
    customer.end()


def test_an_offline_customer_leaves_a_contact_that_agents_see_in_the_queue(
    system: RunningSystem, browser: Browser, contexts: list[BrowserContext]
) -> None:
    """The contact form against the real server.

    Whether a chat becomes an offline ticket depends on no agent being online anywhere in the shared
    system, which other tests' consoles make unreliable; so the page's socket is proxied and each
    queued ``state`` frame is marked ``offline`` on its way to the widget. Everything else is real:
    the ``contact`` frame, the server's validation, its ``ack``, and the ticket in the console.
    """
    url = system.gateway.url
    customer_context = new_context(browser, contexts)
    frames: list[dict[str, Any]] = []  # what reached the page (a routed socket may not emit "websocket")

    def mark_offline(page_socket: WebSocketRoute) -> None:
        server = page_socket.connect_to_server()

        def to_page(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("type") == "state" and frame.get("state") == "queued":
                frame["offline"] = True
            frames.append(frame)
            page_socket.send(json.dumps(frame))

        server.on_message(to_page)

    customer_context.route_web_socket(re.compile(r"/ws/customer$"), mark_offline)
    customer = open_customer(customer_context, url, frames)
    page = customer.page
    customer.ask_for_a_person()
    expect(page.locator("#tandem-status")).to_contain_text("Nobody from our team is available")
    form = page.locator("#tandem-contact-form")
    expect(form).to_be_visible()

    page.fill("#tandem-contact", "not an address")
    page.fill("#tandem-contact-question", "My Lumen Hub keeps dropping off the Wi-Fi")
    page.click("#tandem-contact-submit")
    expect(page.locator("#tandem-contact-error")).to_contain_text("e-mail address or a phone number")
    expect(form).to_be_visible()

    page.fill("#tandem-contact", "ada@example.com")
    page.click("#tandem-contact-submit")
    expect(page.locator("#tandem-contact-thanks")).to_have_text("Thanks — we'll get back to you at ada@example.com.")
    expect(form).to_be_hidden()
    expect(page.locator(".tandem-msg--customer").last).to_contain_text("keeps dropping off the Wi-Fi")

    agent = open_console(new_context(browser, contexts), url, "agent2")
    item = queue_item(agent, customer)
    expect(item.locator(".tag-offline")).to_have_text("Offline ticket")
    expect(item.locator(".queue-contact")).to_have_text("ada@example.com")
    item.locator(".queue-open").click()
    expect(agent.locator("#conversation-meta")).to_contain_text("ada@example.com")
    customer.end()
