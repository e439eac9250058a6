"""The agent side over HTTP: queue, agents' presence and load (canned responses: routes/desk.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from bot.api.deps import ServicesDep, require_role
from bot.core.security import Principal, StaffRole

router = APIRouter(prefix="/api/handoff", tags=["handoff"])
AgentOnly = Annotated[Principal, Depends(require_role(StaffRole.AGENT))]
SupervisorOnly = Annotated[Principal, Depends(require_role(StaffRole.SUPERVISOR))]


class ConsoleConfig(BaseModel):
    queues: list[str]
    business_hours: str


@router.get("/config")
async def console_config(services: ServicesDep, _: AgentOnly) -> ConsoleConfig:
    """What the console offers: queues to transfer to, opening hours."""
    handoff = services.settings.handoff
    return ConsoleConfig(queues=handoff.queues, business_hours=handoff.business_hours.describe())


@router.get("/queue")
async def queue(services: ServicesDep, _: AgentOnly) -> list[dict[str, Any]]:
    """Waiting sessions in queue order, then sessions being handled."""
    return [item.as_dict() for item in await services.handoff.queue()]


@router.get("/agents")
async def agents(services: ServicesDep, _: SupervisorOnly) -> list[dict[str, Any]]:
    """Every agent seen recently: presence, capacity and current load (supervisors)."""
    return [status.as_dict() for status in await services.handoff.presence.statuses()]
