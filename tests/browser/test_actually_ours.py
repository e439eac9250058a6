""""Actually ours" in real Chromium: an agent answers a chat the bot handed over as another company's, says it
was ours after all, and the answer reaches the content team as a proposal (docs/learning.md)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.staff import open_console, sign_in
from tests.browser.test_widget_and_console import open_widget, send
from tests.support.system import RunningSystem

pytestmark = [pytest.mark.browser, pytest.mark.integration]

# The bot reads it as a third-party question (routing's other-brand rule, tests/integration/test_routing.py);
# the customer really wants their Lumen Hub back on the network.
QUESTION = "How do I change the admin password on my Netgear router?"
ANSWER = ("After changing the router password, hold the Lumen Hub's button for 3 seconds and pick your network "
          "again in the Lumen app: the Hub reconnects with the new password.")


def test_an_agent_marks_a_third_party_handover_as_ours_and_the_answer_becomes_a_proposal(
    system: RunningSystem, browser: Browser
) -> None:
    customer_context, agent_context, content_context = (browser.new_context() for _ in range(3))
    try:
        customer = open_widget(customer_context, system.gateway.url)
        agent = open_console(agent_context, system.gateway.url, "agent2")
        send(customer, QUESTION)
        expect(customer.locator("#tandem-status")).to_contain_text("queue")

        item = agent.locator(".queue-item", has_text=QUESTION)
        expect(item.locator(".queue-reason")).to_have_text("Third party")
        item.locator(".claim-btn").click()
        ours = agent.get_by_label("Actually ours: learn from my answer")
        expect(ours).to_be_visible()
        expect(ours).not_to_be_checked()

        agent.fill("#reply-input", ANSWER)
        agent.click("#reply-send")
        expect(customer.locator(".tandem-msg[data-role='agent']").last).to_contain_text("Lumen Hub's button")
        ours.check()
        agent.click("#resolve-btn")
        expect(customer.locator("#tandem-panel")).to_contain_text("This conversation has ended")

        content = sign_in(content_context, system.gateway.url + "/content", "content")
        proposal = content.locator("#proposal-list > li", has_text=QUESTION)
        expect(proposal).to_contain_text("1 customer asked")
        expect(proposal).to_contain_text(ANSWER)
        content.click("#tab-gaps")
        expect(content.locator("#gap-list > li", has_text=QUESTION)).to_contain_text("misrouted, ours 1")
    finally:
        customer_context.close()
        agent_context.close()
        content_context.close()


def test_the_console_offers_actually_ours_only_for_a_third_party_or_off_topic_handover(
    system: RunningSystem, browser: Browser
) -> None:
    customer_context, agent_context = browser.new_context(), browser.new_context()
    try:
        customer = open_widget(customer_context, system.gateway.url)
        agent = open_console(agent_context, system.gateway.url, "agent2")
        send(customer, "I want to talk to a real person please")
        item = agent.locator(".queue-item", has_text="I want to talk to a real person please")
        expect(item.locator(".queue-reason")).to_have_text("Customer request")
        item.locator(".claim-btn").click()
        expect(agent.locator("#resolve-btn")).to_be_enabled()
        expect(agent.get_by_label("Actually ours: learn from my answer")).to_be_hidden()
        agent.click("#resolve-btn")
        expect(customer.locator("#tandem-panel")).to_contain_text("This conversation has ended")
    finally:
        customer_context.close()
        agent_context.close()
