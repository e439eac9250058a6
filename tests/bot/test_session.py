"""The staff session's rules: which pages each role opens, and which cookie-signed requests may be forged."""

from __future__ import annotations

import pytest

from bot.core.config import DEFAULT_GREETING, Settings
from bot.core.security import Principal, StaffRole
from bot.core.session import CSRF_HEADER, csrf_problem, pages_for, same_origin

pytestmark = [pytest.mark.unit]


@pytest.mark.parametrize(("role", "paths"), [
    (StaffRole.AGENT, ["/console"]),
    (StaffRole.SUPERVISOR, ["/console", "/dashboard", "/conversations"]),
    (StaffRole.CONTENT, ["/content", "/dashboard"]),
    (StaffRole.ADMIN, ["/console", "/content", "/dashboard", "/conversations", "/admin"]),
])
def test_each_role_is_offered_the_pages_it_may_open(role: StaffRole, paths: list[str]) -> None:
    assert [page.path for page in pages_for(Principal("u", "U", role))] == paths


def test_reads_pass_and_changes_need_the_header_from_this_host() -> None:
    here = {"host": "tandem.example:8000"}
    assert csrf_problem("GET", here) == ""
    assert CSRF_HEADER in csrf_problem("POST", here)
    assert csrf_problem("POST", {**here, "x-requested-with": "TandemStaff"}) == ""
    assert csrf_problem("DELETE", {**here, "x-requested-with": "x", "origin": "http://tandem.example:8000"}) == ""
    assert "own pages" in csrf_problem("PUT", {**here, "x-requested-with": "x", "origin": "https://evil.example"})
    assert not same_origin({**here, "origin": "http://tandem.example:9999"})
    assert same_origin(here)  # no Origin: not a cross-site browser request


def test_the_greeting_says_what_the_bot_does_and_that_a_person_is_one_message_away(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().widget_greeting == DEFAULT_GREETING and "person" in DEFAULT_GREETING
    monkeypatch.setenv("TANDEM_WIDGET_GREETING", "Hello from the shop.")
    assert Settings().widget_greeting == "Hello from the shop."
