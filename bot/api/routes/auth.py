"""Staff login: exchanges a username and password for a signed token."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field

from bot.api.deps import ServicesDep
from bot.ratelimit import RateLimited

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


@router.post("/token", responses={401: {"description": "Wrong username or password"},
                                   429: {"description": "Too many login attempts from this address"}})
async def issue_token(credentials: Credentials, services: ServicesDep, request: Request) -> TokenResponse:
    """Log in; the token goes in ``Authorization: Bearer`` or the agent socket's ``auth`` frame."""
    try:
        await services.limiter.login(request.client.host if request.client else "unknown")
    except RateLimited as exc:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, str(exc)) from exc
    principal = await asyncio.to_thread(services.accounts.authenticate, credentials.username, credentials.password)
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong username or password")
    return TokenResponse(access_token=services.signer.staff_token(principal), role=principal.role.value,
                         name=principal.name, username=principal.username)
