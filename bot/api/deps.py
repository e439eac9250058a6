"""FastAPI dependencies: the process's services and role checks for staff routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from bot.core.security import InvalidToken, Principal, StaffRole
from bot.services import Services

_bearer = HTTPBearer(auto_error=False, description="A staff token from POST /api/auth/token")


def get_services(request: Request) -> Services:
    """The services built by the app's lifespan."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def require_role(role: StaffRole) -> Callable[..., Principal]:
    """A dependency that admits staff whose role includes ``role`` (401 without a token, else 403)."""

    def check(
        services: ServicesDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        if credentials is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer token is required",
                                headers={"WWW-Authenticate": "Bearer"})
        try:
            principal = services.signer.read_staff_token(credentials.credentials)
        except InvalidToken as exc:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"invalid token: {exc}",
                                headers={"WWW-Authenticate": "Bearer"}) from exc
        if not principal.can(role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role.value} role")
        return principal

    return check
