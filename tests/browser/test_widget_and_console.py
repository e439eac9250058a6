"""A customer and an agent in real Chromium: widget answer, handoff, live chat, resolve."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, WebSocketRoute, expect

from tests.browser.staff import open_console
from tests.support.system import RunningSystem

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def open_widget(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.goto(url + "/")
    page.click("#tandem-launcher")
    expect(page.locator("#tandem-panel")).to_be_visible()
    return page


def send(page: Page, text: str) -> None:
    page.fill("#tandem-input", text)
    page.click("#tandem-send")


def test_widget_answers_from_the_knowledge_base_and_names_the_article(
    system: RunningSystem, context: BrowserContext
) -> None:
    page = open_widget(context, system.gateway.url)
    send(page, "How do I factory reset my Lumen Hub?")
    answer = page.locator(".tandem-msg[data-role='bot']").last
    expect(answer).to_contain_text("10")
    expect(answer.locator(".tandem-msg__source")).to_contain_text("From:")
    # The article's Markdown is formatted (numbered steps, bold), not shown as "**...**".
    expect(answer.locator("ol > li").first).to_be_visible()
    expect(answer.locator("strong", has_text="Hold it for 10 seconds")).to_be_visible()
    expect(answer).not_to_contain_text("**")


def test_rich_text_in_a_bot_frame_cannot_carry_markup_the_renderer_would_not_make(
    system: RunningSystem, context: BrowserContext
) -> None:
    page = open_widget(context, system.gateway.url)
    rebuilt = page.evaluate("""() => {
        const parsed = window.Tandem.safeRichText(
            '<p onclick="window.pwned=1">ok <img src=x onerror="window.pwned=2"><script>window.pwned=3</script>' +
            '<a href="javascript:window.pwned=4">x</a><a href="https://lumen.example/">y</a></p><style>*{}</style>');
        const box = document.createElement('div');
        box.append(parsed);
        document.body.append(box);
        return box.innerHTML;
    }""")
    assert rebuilt == ('<p>ok <a>x</a><a href="https://lumen.example/" target="_blank" '
                       'rel="noopener noreferrer nofollow">y</a></p>')
    assert page.evaluate("window.pwned") is None


def test_customer_and_agent_chat_live_in_two_browsers(system: RunningSystem, browser: object) -> None:
    from playwright.sync_api import Browser

    assert isinstance(browser, Browser)
    customer_context, agent_context = browser.new_context(), browser.new_context()
    try:
        customer = open_widget(customer_context, system.gateway.url)
        agent = open_console(agent_context, system.gateway.url, "agent2")
        send(customer, "I need to talk to a human <b>now</b>")
        expect(customer.locator("#tandem-status")).to_contain_text("queue")

        item = agent.locator(".queue-item", has_text="I need to talk to a human <b>now</b>")
        expect(item).to_be_visible()
        item.locator(".claim-btn").click()
        first_line = agent.locator("#conversation .msg[data-role='customer'] .msg-text").first
        expect(first_line).to_have_text("I need to talk to a human <b>now</b>")  # markup shown as text
        expect(customer.locator("#tandem-status")).to_contain_text("Blair Agent")

        agent.fill("#reply-input", "Hello from Blair <script>window.pwned=1</script>")
        agent.click("#reply-send")
        agent_msg = customer.locator(".tandem-msg[data-role='agent']").last
        expect(agent_msg).to_contain_text("Hello from Blair <script>window.pwned=1</script>")
        assert customer.evaluate("window.pwned") is None

        send(customer, "Thanks Blair, my strip flickers")
        expect(agent.locator("#conversation .msg[data-role='customer']").last).to_contain_text("my strip flickers")

        agent.click("#resolve-btn")
        expect(customer.locator("#tandem-panel")).to_contain_text("This conversation has ended")
    finally:
        customer_context.close()
        agent_context.close()


def test_a_message_typed_while_the_socket_is_down_is_sent_once_after_the_widget_reconnects(
    system: RunningSystem, context: BrowserContext
) -> None:
    held: list[WebSocketRoute] = []

    def hold_the_first_socket(socket: WebSocketRoute) -> None:
        if held:  # later sockets reach the gateway
            socket.connect_to_server()
        else:  # the first one opens but never answers hello: the widget is not connected
            held.append(socket)

    context.route_web_socket(re.compile(r"/ws/customer$"), hold_the_first_socket)
    page = open_widget(context, system.gateway.url)
    send(page, "Typed while offline: how do I pair a Lumen strip?")
    mine = page.locator(".tandem-msg[data-role='customer']")
    expect(mine).to_have_count(1)
    expect(mine.first).to_have_class(re.compile("is-pending"))
    expect(page.locator("#tandem-connection")).to_contain_text("sent when we are back")

    held[0].close(code=1012, reason="restart")  # the widget reconnects by itself and sends what waited
    expect(mine.first.locator(".tandem-msg__status")).to_have_text("Sent")
    expect(page.locator(".tandem-msg[data-role='bot']").first).to_be_visible()
    expect(page.locator("#tandem-connection")).to_have_text("")

    page.reload()  # the server's transcript has the message once
    page.click("#tandem-launcher")
    expect(page.locator(".tandem-msg[data-role='bot']").first).to_be_visible()
    expect(page.locator(".tandem-msg[data-role='customer']", has_text="Typed while offline")).to_have_count(1)


def test_the_widget_opens_with_the_configured_greeting(system: RunningSystem, context: BrowserContext) -> None:
    page = open_widget(context, system.gateway.url)

    greeting = page.locator("#tandem-transcript .tandem-greeting")
    expect(greeting).to_contain_text("I can answer questions about Lumen lights")
    expect(greeting).to_contain_text("one message is all it takes")
    page.reload()
    page.click("#tandem-launcher")
    expect(page.locator("#tandem-transcript .tandem-greeting")).to_have_count(1)  # once, also after a reload
