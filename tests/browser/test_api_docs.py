"""The API documentation page works on a machine with no internet: its assets come from the gateway."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Request, expect

from tests.support.system import RunningSystem

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_api_docs_render_from_the_gateways_own_assets(context: BrowserContext, system: RunningSystem) -> None:
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url) if isinstance(request, Request) else None)
    page = context.new_page()
    page.goto(system.gateway.url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Tandem gateway")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert requested and all(url.startswith(system.gateway.url) for url in requested), requested
