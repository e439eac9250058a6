"""Signing in to the staff pages in Chromium: they share one sign-in form (bot/templates/staff_base.html)."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Page, expect

from tests.support.system import PASSWORD


def sign_in(context: BrowserContext, url: str, username: str) -> Page:
    """Opens the staff page at ``url`` in a new tab and submits the sign-in form; the caller waits for the outcome."""
    page = context.new_page()
    page.goto(url)
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    return page


def open_console(context: BrowserContext, gateway_url: str, username: str) -> Page:
    """The agent console, signed in and ready to work."""
    page = sign_in(context, gateway_url + "/console", username)
    # Ready once the first queue snapshot came: the server stored our presence before sending it.
    expect(page.locator("#app-view")).to_have_attribute("data-ready", "true")
    return page
