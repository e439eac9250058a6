"""Staff sign-in: a signed token for API clients, or a session cookie for the staff pages.

Both carry the same staff token; the cookie's rules (HttpOnly, SameSite=Strict, CSRF header) are in
bot.core.session, and bot.api.deps reads either.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from bot.api.deps import ServicesDep, StaffDep
from bot.core.security import Principal
from bot.core.session import SESSION_COOKIE, csrf_problem, pages_for
from bot.ratelimit import RateLimited
from bot.services import Services

router = APIRouter(prefix="/api/auth", tags=["auth"])


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str
    name: str
    username: str


class PageOut(BaseModel):
    path: str
    title: str


class SessionOut(BaseModel):
    """Who is signed in, and the staff pages their role may open (the navigation bar)."""

    username: str
    name: str
    role: str
    pages: list[PageOut]


_LOGIN_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Wrong username or password"},
    429: {"description": "Too many login attempts from this address"},
}


async def _authenticate(credentials: Credentials, services: Services, request: Request) -> Principal:
    try:
        await services.limiter.login(request.client.host if request.client else "unknown")
    except RateLimited as exc:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, str(exc)) from exc
    principal = await asyncio.to_thread(services.accounts.authenticate, credentials.username, credentials.password)
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    return principal


def _check_csrf(request: Request) -> None:
    problem = csrf_problem(request.method, request.headers)
    if problem:
        raise HTTPException(status.HTTP_403_FORBIDDEN, problem)


def _session_out(principal: Principal) -> SessionOut:
    return SessionOut(username=principal.username, name=principal.name, role=principal.role.value,
                      pages=[PageOut(path=page.path, title=page.title) for page in pages_for(principal)])


@router.post("/token", responses=_LOGIN_ERRORS)
async def issue_token(credentials: Credentials, services: ServicesDep, request: Request) -> TokenResponse:
    """Log in; the token goes in ``Authorization: Bearer`` or the agent socket's ``auth`` frame."""
    principal = await _authenticate(credentials, services, request)
    return TokenResponse(access_token=services.signer.staff_token(principal), role=principal.role.value,
                         name=principal.name, username=principal.username)


@router.post("/session", responses={**_LOGIN_ERRORS, 403: {"description": "Not sent by this site's pages"}},
             dependencies=[Depends(_check_csrf)])
async def open_session(credentials: Credentials, services: ServicesDep, request: Request,
                       response: Response) -> SessionOut:
    """Sign in to the staff pages: every staff page and tab of this browser is then signed in (a cookie)."""
    principal = await _authenticate(credentials, services, request)
    response.set_cookie(SESSION_COOKIE, services.signer.staff_token(principal),
                        max_age=services.settings.token_ttl_s, path="/", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return _session_out(principal)


@router.get("/session", responses={401: {"description": "Not signed in"}})
async def read_session(principal: StaffDep) -> SessionOut:
    """Who is signed in (by the session cookie or a bearer token), and the staff pages they may open."""
    return _session_out(principal)


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT,
               responses={403: {"description": "Not sent by this site's pages"}},
               dependencies=[Depends(_check_csrf)])
async def close_session(request: Request) -> Response:
    """Sign out of the staff pages: the browser forgets the session cookie."""
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=request.url.scheme == "https")
    return response
