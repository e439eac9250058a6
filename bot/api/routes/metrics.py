"""Service figures from the outcome records (supervisors and admins)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from bot.api.deps import ServicesDep, require_role
from bot.core.security import Principal, StaffRole
from outcomes import summarize

router = APIRouter(prefix="/api/metrics", tags=["metrics"])


@router.get("/summary")
async def summary(
    services: ServicesDep,
    _: Annotated[Principal, Depends(require_role(StaffRole.SUPERVISOR))],
    since: Annotated[datetime | None, Query(description="ISO 8601 start of the period (inclusive)")] = None,
    until: Annotated[datetime | None, Query(description="ISO 8601 end of the period (exclusive)")] = None,
) -> dict[str, Any]:
    """Conversations by outcome, resolution rate, containment, escalation rate, 30 s first responses."""
    if since and until and since >= until:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "since must be before until")
    result = await asyncio.to_thread(summarize, services.engine, since, until)
    return result.as_dict()
