"""FastAPI dependencies: the process's services and role checks for staff routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from bot.core.security import InvalidToken, Principal, StaffRole
from bot.core.session import SESSION_COOKIE, csrf_problem
from bot.services import Services

_bearer = HTTPBearer(auto_error=False, description="A staff token from POST /api/auth/token")
_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False,
                       description="The staff pages' session, from POST /api/auth/session")


def get_services(request: Request) -> Services:
    """The services built by the app's lifespan."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def current_staff(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> Principal:
    """The member of staff behind a bearer token (API clients) or the session cookie (the staff pages).

    401 without either; 403 for a cookie-signed change that may be forged (see bot.core.session).
    """
    if credentials is not None:
        token = credentials.credentials
    elif cookie:
        problem = csrf_problem(request.method, request.headers)
        if problem:
            raise HTTPException(status.HTTP_403_FORBIDDEN, problem)
        token = cookie
    else:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in: a bearer token or the staff session is required",
                            headers={"WWW-Authenticate": "Bearer"})
    try:
        return services.signer.read_staff_token(token)
    except InvalidToken as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"invalid token: {exc}",
                            headers={"WWW-Authenticate": "Bearer"}) from exc


StaffDep = Annotated[Principal, Depends(current_staff)]


def require_role(role: StaffRole) -> Callable[..., Principal]:
    """A dependency that admits staff whose role includes ``role`` (401 when not signed in, else 403)."""

    def check(principal: StaffDep) -> Principal:
        if not principal.can(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role.value} role")
        return principal

    return check
