"""The agent's desk in Chromium: chats assigned automatically, alerts, bot answers formatted.

Automatic assignment and alerts run on a system of their own (no Rasa, its own Redis, every queue
``auto``): the shared system's agents claim chats by hand. Customers there are protocol clients
whose escalations arrive on the action webhook as Rasa posts them.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis as redis_sync
from playwright.sync_api import Browser, BrowserContext, Page, expect
from websockets.sync.client import ClientConnection, connect

from handoff import keys
from tests.browser.staff import open_console
from tests.support.clients import escalate_in_redis, handoff_action_call
from tests.support.system import ACTION_TOKEN, RunningSystem, running_system

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]
AUTO_SETTINGS = {"TANDEM_HANDOFF__ASSIGNMENT": "auto", "TANDEM_HANDOFF__ASSIGNMENT_BY_QUEUE": '{"billing": "manual"}',
                 "TANDEM_HANDOFF__DEFAULT_CAPACITY": "3"}

# Records what the console asks of the browser's Notification and WebAudio (both still run).
ALERT_SPY = """
window.__alerts = { notifications: [], tones: 0 };
const RealNotification = window.Notification;
class SpyNotification extends RealNotification {
  constructor(title, options) {
    super(title, options);
    window.__alerts.notifications.push({ title, body: options && options.body });
  }
  static get permission() { return RealNotification.permission; }
  static requestPermission(...args) { return RealNotification.requestPermission(...args); }
}
window.Notification = SpyNotification;
const audio = window.AudioContext.prototype;
const createOscillator = audio.createOscillator;
audio.createOscillator = function () { window.__alerts.tones += 1; return createOscillator.call(this); };
"""


@pytest.fixture(scope="module")
def auto_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    with running_system(tmp_path_factory.mktemp("desk"), with_rasa=False, redis_in_state_dir=True,
                        settings_env=AUTO_SETTINGS) as running:
        yield running


@pytest.fixture
def live(auto_system: RunningSystem) -> Iterator[redis_sync.Redis]:
    client = redis_sync.Redis.from_url(auto_system.redis_url, decode_responses=True)
    yield client
    client.close()


class Customer:
    """A customer's socket (the widget's protocol); ``escalate`` asks for a person as Rasa would."""

    def __init__(self, system: RunningSystem) -> None:
        self.system = system
        self.socket: ClientConnection = connect(f"{system.gateway.ws_url}/ws/customer")
        self.socket.send(json.dumps({"type": "hello", "session_token": None, "last_message_id": None}))
        self.session_id = str(json.loads(self.socket.recv(timeout=30))["session_id"])

    def escalate(self) -> None:
        httpx.post(f"{self.system.gateway.url}/actions/webhook", params={"token": ACTION_TOKEN},
                   json=handoff_action_call(self.session_id), timeout=60).raise_for_status()

    def say(self, text: str) -> None:
        self.socket.send(json.dumps({"type": "message", "client_id": f"c-{time.time_ns()}", "text": text}))

    def end(self) -> None:
        self.socket.send(json.dumps({"type": "end"}))
        self.socket.close()


def until(predicate: Callable[[], Any], what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s}s")
        time.sleep(0.05)


def holder(live: redis_sync.Redis, customer: Customer) -> str:
    return str(live.hget(keys.session(customer.session_id), "agent_id") or "")


def nobody_online(live: redis_sync.Redis) -> bool:
    return not any(live.hget(keys.agent(a), "presence") == "online" for a in live.zrange(keys.AGENTS, 0, -1))


def mine(page: Page, customer: Customer) -> Any:
    return page.locator(f".queue-item.is-mine[data-session-id='{customer.session_id}']")


def test_chats_go_to_the_agent_with_more_room_then_to_the_one_who_waited_longer(
    auto_system: RunningSystem, browser: Browser, live: redis_sync.Redis
) -> None:
    url = auto_system.gateway.url
    alex_context, blair_context = browser.new_context(), browser.new_context()
    customers = [Customer(auto_system) for _ in range(5)]
    try:
        until(lambda: nobody_online(live), "nobody online")
        alex = open_console(alex_context, url, "agent1")
        for customer in customers[:2]:  # only Alex is online: both are Alex's
            customer.escalate()
            expect(mine(alex, customer)).to_be_visible()
        expect(alex.locator("#conversation-title")).to_have_text(f"Conversation {customers[0].session_id[:8]}")
        expect(alex.locator("#conversation-hint")).to_have_text("You are handling this conversation.")

        blair = open_console(blair_context, url, "agent2")  # 0 of 3, Alex 2 of 3
        customers[2].escalate()
        expect(mine(blair, customers[2])).to_be_visible()
        expect(blair.locator("#conversation-title")).to_have_text(f"Conversation {customers[2].session_id[:8]}")
        customers[3].escalate()  # Blair 2 free, Alex 1
        expect(mine(blair, customers[3])).to_be_visible()
        customers[4].escalate()  # 1 free each: Alex has waited longer since his last chat
        expect(mine(alex, customers[4])).to_be_visible()
        assert [holder(live, c) for c in customers] == ["agent1", "agent1", "agent2", "agent2", "agent1"]
        expect(alex.locator(".queue-item.is-mine")).to_have_count(3)
        expect(blair.locator(".queue-item.is-mine")).to_have_count(2)
        expect(blair.locator(f".queue-item[data-session-id='{customers[4].session_id}'] .queue-state")
               ).to_have_text("Assigned to Alex Agent")
    finally:
        for customer in customers:
            customer.end()
        alex_context.close()
        blair_context.close()


def test_an_agent_hears_sees_and_counts_alerts_and_can_switch_each_off(
    auto_system: RunningSystem, browser: Browser, live: redis_sync.Redis
) -> None:
    url = auto_system.gateway.url
    context = browser.new_context(permissions=["notifications"])
    context.add_init_script(ALERT_SPY)
    first, second = Customer(auto_system), Customer(auto_system)
    try:
        until(lambda: nobody_online(live), "nobody online")
        page = open_console(context, url, "super")
        expect(page.locator("#notify-sound")).to_be_checked()
        expect(page.locator("#notify-permission")).to_be_hidden()  # granted by the test
        base_title = page.title()

        first.escalate()
        expect(mine(page, first)).to_be_visible()
        expect(page).to_have_title(re.compile(r"^\(\d\) " + re.escape(base_title)))
        alerts = page.evaluate("window.__alerts")
        assert alerts["tones"] >= 1
        assert {"title": "Tandem", "body": "A chat was assigned to you (general queue)"} in alerts["notifications"]

        page.locator("#conversation").click()  # the agent is back: the count goes
        expect(page).to_have_title(base_title)

        page.locator("#notify-settings > summary").click()
        page.locator("#notify-sound").uncheck()
        page.locator("#notify-waiting").uncheck()
        page.reload()  # the choices are the agent's, kept in this browser
        expect(page.locator("#app-view")).to_have_attribute("data-ready", "true")
        expect(page.locator("#notify-sound")).not_to_be_checked()
        expect(page.locator("#notify-waiting")).not_to_be_checked()
        expect(page.locator("#notify-desktop")).to_be_checked()

        second.escalate()
        expect(mine(page, second)).to_be_visible()
        page.locator(f".queue-item[data-session-id='{first.session_id}']").click()  # reading the first chat
        second.say("hello? anyone there?")  # in the other chat: alert
        expect(page.locator(f".queue-item.has-unread[data-session-id='{second.session_id}']")).to_be_visible()
        expect(page).to_have_title(re.compile(r"^\(\d\) "))
        alerts = page.evaluate("window.__alerts")
        assert alerts["tones"] == 0  # switched off (the reload started a fresh page)
        bodies = [n["body"] for n in alerts["notifications"]]
        assert "A customer wrote in one of your chats" in bodies
        assert "A chat is waiting (general queue)" not in bodies  # waiting chats switched off
    finally:
        first.end()
        second.end()
        context.close()


def test_a_waiting_customer_stops_being_asked_for_a_contact_once_an_agent_signs_in(
    auto_system: RunningSystem, browser: Browser, live: redis_sync.Redis
) -> None:
    """The manual ``billing`` queue: the chat stays waiting, but someone is there now."""
    from tests.browser.test_handoff_pages import open_customer

    url = auto_system.gateway.url
    customer_context, agent_context = browser.new_context(), browser.new_context()
    try:
        until(lambda: nobody_online(live), "nobody online")
        customer = open_customer(customer_context, url)
        while not any(f.get("type") == "session" for f in customer.frames):  # frames arrive while Playwright waits
            customer.page.wait_for_timeout(50)
        escalation = escalate_in_redis(auto_system.redis_url, customer.session_id, "billing")
        with ThreadPoolExecutor(1) as thread:  # Playwright's event loop owns this thread
            thread.submit(asyncio.run, escalation).result()
        status = customer.page.locator("#tandem-status")
        expect(status).to_contain_text("Nobody from our team is available right now.")
        expect(customer.page.locator("#tandem-contact-form")).to_be_visible()

        open_console(agent_context, url, "agent1")
        expect(status).to_contain_text("You are number 1 in the queue.")
        expect(status).not_to_contain_text("Nobody from our team")
        expect(customer.page.locator("#tandem-contact-box")).to_be_hidden()
        customer.end()
    finally:
        customer_context.close()
        agent_context.close()


def test_the_console_shows_a_bot_answer_formatted_as_the_customer_saw_it(
    system: RunningSystem, context: BrowserContext
) -> None:
    from tests.browser.test_widget_and_console import open_widget, send

    customer = open_widget(context, system.gateway.url)
    send(customer, "How do I factory reset my Lumen Hub?")
    expect(customer.locator(".tandem-msg[data-role='bot'] strong").first).to_be_visible()
    send(customer, "I want to talk to a human")
    expect(customer.locator("#tandem-status")).to_contain_text("queue")
    agent = open_console(context, system.gateway.url, "agent1")
    agent.locator(".queue-item", has_text="I want to talk to a human").first.locator(".claim-btn").click()
    answer = agent.locator("#conversation .msg[data-role='bot']", has_text="10 seconds").first
    expect(answer.locator("strong", has_text="Hold it for 10 seconds")).to_be_visible()
    expect(answer.locator("ol > li").first).to_be_visible()
    expect(answer).not_to_contain_text("**")
    expect(agent.locator("#resolve-btn")).to_be_enabled()
    agent.click("#resolve-btn")  # nothing left in the shared queue
    expect(customer.locator(".tandem-msg[data-role='system']").last).to_be_visible()
