"""Health: whether Redis, SQL and Rasa answer (for load balancers and ``make run``)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response, status
from pydantic import BaseModel
from sqlalchemy import text

from bot.api.deps import ServicesDep
from bot.services import Services

router = APIRouter(prefix="/api", tags=["health"])


class Health(BaseModel):
    status: str
    redis: bool
    database: bool
    rasa: bool


async def _redis_ok(services: Services) -> bool:
    try:
        return bool(await services.redis.ping())
    except Exception:
        return False


def _database_ok(services: Services) -> bool:
    try:
        with services.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


@router.get("/health")
async def health(services: ServicesDep, response: Response) -> Health:
    """200 when every dependency answers, 503 (with the same body) when one does not."""
    redis_ok, database_ok, rasa_ok = await asyncio.gather(
        _redis_ok(services), asyncio.to_thread(_database_ok, services), services.rasa.is_ready()
    )
    healthy = redis_ok and database_ok and rasa_ok
    if not healthy:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return Health(status="ok" if healthy else "degraded", redis=redis_ok, database=database_ok, rasa=rasa_ok)
