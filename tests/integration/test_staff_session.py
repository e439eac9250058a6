"""The staff pages' session: one sign-in (a cookie) for every page, its CSRF rules, and the pages per role."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.support.system import PASSWORD, RunningSystem, staff_token

pytestmark = [pytest.mark.integration]

PAGES = {
    "agent1": ["/console"],
    "super": ["/console", "/dashboard", "/conversations"],
    "content": ["/content", "/dashboard"],
    "admin": ["/console", "/content", "/dashboard", "/conversations", "/admin"],
}
FROM_OUR_PAGES = {"X-Requested-With": "TandemStaff"}


@contextmanager
def signed_in(url: str, username: str) -> Iterator[httpx.Client]:
    """A client holding the session cookie, as a browser would after the sign-in form."""
    with httpx.Client(base_url=url, timeout=30) as client:
        response = client.post("/api/auth/session", json={"username": username, "password": PASSWORD},
                               headers=FROM_OUR_PAGES)
        assert response.status_code == 200, response.text
        yield client


def test_the_session_cookie_is_httponly_strict_and_lists_the_pages_of_the_role(system: RunningSystem) -> None:
    for username, pages in PAGES.items():
        with signed_in(system.gateway.url, username) as client:
            assert client.cookies.get("tandem_staff")
            session = client.get("/api/auth/session").json()
            assert [page["path"] for page in session["pages"]] == pages, username
            assert session["username"] == username and session["role"]
    response = httpx.post(f"{system.gateway.url}/api/auth/session", headers=FROM_OUR_PAGES,
                          json={"username": "content", "password": PASSWORD})
    attributes = response.headers["set-cookie"].lower()
    assert "httponly" in attributes and "samesite=strict" in attributes and "path=/" in attributes
    assert "secure" not in attributes  # plain HTTP here; over HTTPS the cookie is Secure
    assert "access_token" not in response.text  # the page's scripts never see the token


def test_the_cookie_admits_its_role_only_and_changes_need_the_csrf_header(system: RunningSystem) -> None:
    ask = {"question": "how do I reset my hub?"}
    with signed_in(system.gateway.url, "content") as client:
        assert client.get("/api/content/articles").status_code == 200
        assert client.get("/api/handoff/queue").status_code == 403

        forged = client.post("/api/content/ask", json=ask)
        assert forged.status_code == 403 and "X-Requested-With" in forged.json()["detail"]
        cross_site = client.post("/api/content/ask", json=ask,
                                 headers={**FROM_OUR_PAGES, "Origin": "https://evil.example"})
        assert cross_site.status_code == 403 and "own pages" in cross_site.json()["detail"]
        assert client.post("/api/content/ask", json=ask, headers=FROM_OUR_PAGES).status_code == 200
        same_site = client.post("/api/content/ask", json=ask,
                                headers={**FROM_OUR_PAGES, "Origin": system.gateway.url})
        assert same_site.status_code == 200


def test_signing_in_needs_the_csrf_header_and_the_right_password(system: RunningSystem) -> None:
    url = f"{system.gateway.url}/api/auth/session"
    credentials = {"username": "content", "password": PASSWORD}
    assert httpx.post(url, json=credentials).status_code == 403  # a form on another site cannot sign us in
    wrong = httpx.post(url, json={**credentials, "password": "guess"}, headers=FROM_OUR_PAGES)
    assert wrong.status_code == 401 and "set-cookie" not in wrong.headers
    assert httpx.get(url).status_code == 401


def test_signing_out_ends_the_session_and_bearer_tokens_still_work(system: RunningSystem) -> None:
    with signed_in(system.gateway.url, "super") as client:
        assert client.delete("/api/auth/session").status_code == 403  # without the header: not from our pages
        assert client.get("/api/auth/session").status_code == 200
        assert client.delete("/api/auth/session", headers=FROM_OUR_PAGES).status_code == 204
        assert client.get("/api/auth/session").status_code == 401
        assert client.get("/api/metrics/summary").status_code == 401
    bearer = {"Authorization": f"Bearer {staff_token(system.gateway.url, 'content')}"}
    session = httpx.get(f"{system.gateway.url}/api/auth/session", headers=bearer).json()
    assert session["username"] == "content"
    ask = httpx.post(f"{system.gateway.url}/api/content/ask", headers=bearer, json={"question": "hub reset"},
                     timeout=30)
    assert ask.status_code == 200  # API clients send no cookie, so no CSRF header is asked of them


async def test_the_agent_socket_takes_the_session_cookie_from_this_site_only(system: RunningSystem) -> None:
    with signed_in(system.gateway.url, "agent1") as client:
        cookie = f"tandem_staff={client.cookies['tandem_staff']}"
    host = system.gateway.url.split("://", 1)[1]
    for origin, expected in ((f"http://{host}", "ready"), ("http://evil.example", "error")):
        async with connect(f"{system.gateway.ws_url}/ws/agent",
                           additional_headers={"Cookie": cookie, "Origin": origin}) as socket:
            await socket.send(json.dumps({"type": "auth"}))
            frame = json.loads(await socket.recv())
            while frame["type"] not in ("ready", "error"):
                frame = json.loads(await socket.recv())
            assert frame["type"] == expected, origin
            if expected == "error":
                assert frame["code"] == "auth_failed"
