"""The staff session: one sign-in per browser, kept in a cookie, and the staff pages each role may open.

The cookie carries the same signed staff token ``POST /api/auth/token`` hands to API clients, so one
reader (:meth:`bot.core.security.TokenSigner.read_staff_token`) checks both. It is ``HttpOnly`` (page
scripts never see the token), ``SameSite=Strict`` (other sites' pages do not send it) and ``Secure``
when the page came over HTTPS. Because a browser attaches it by itself, a request that changes
something with it must also prove it comes from our own pages: it carries :data:`CSRF_HEADER`
(which another origin cannot add without a CORS preflight the gateway does not grant), and any
``Origin`` it has names this host.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.core.security import Principal, StaffRole

SESSION_COOKIE = "tandem_staff"
CSRF_HEADER = "X-Requested-With"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class StaffPage:
    """A staff web page, and the roles of which any one opens it."""

    path: str
    title: str
    roles: tuple[StaffRole, ...]

    def opens_for(self, principal: Principal) -> bool:
        return any(principal.can(role) for role in self.roles)


#: Every staff page, in the navigation bar's order; the pages' own scripts refuse the other roles.
STAFF_PAGES: tuple[StaffPage, ...] = (
    StaffPage("/console", "Agent console", (StaffRole.AGENT,)),
    StaffPage("/content", "Knowledge base", (StaffRole.CONTENT,)),
    StaffPage("/dashboard", "Service dashboard", (StaffRole.SUPERVISOR, StaffRole.CONTENT)),
    StaffPage("/conversations", "Conversations", (StaffRole.SUPERVISOR,)),
    StaffPage("/admin", "NLU retraining", (StaffRole.ADMIN,)),
)


def pages_for(principal: Principal) -> list[StaffPage]:
    """The staff pages this person may open, for the navigation bar."""
    return [page for page in STAFF_PAGES if page.opens_for(principal)]


def same_origin(headers: Mapping[str, str]) -> bool:
    """Whether the request's ``Origin`` (if it sent one) is this host, as the browser addressed it."""
    origin = headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == headers.get("host", "").lower()


def csrf_problem(method: str, headers: Mapping[str, str]) -> str:
    """Why a cookie-signed request must be refused as possibly forged, or '' when it may proceed."""
    if method.upper() in SAFE_METHODS:
        return ""
    if not headers.get(CSRF_HEADER.lower()):
        return f"a change made with the session cookie must carry the {CSRF_HEADER} header"
    if not same_origin(headers):
        return "a change made with the session cookie must come from this site's own pages"
    return ""
