"""What Tandem keeps about a customer: see it, erase it, and run the retention job (admins only).

A customer asking for their data names their conversation (the widget shows its reference when
it ends); stored text is already redacted, so the conversation is the unit of access and erasure.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status

from bot.api.deps import ServicesDep, require_role
from bot.core.security import Principal, StaffRole
from outcomes import stored_transcript

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/admin", tags=["privacy"])
Admin = Annotated[Principal, Depends(require_role(StaffRole.ADMIN))]


@router.get("/conversations/{session_id}")
async def stored_conversation(session_id: str, services: ServicesDep, _: Admin) -> dict[str, Any]:
    """The stored (redacted) transcript of one conversation, and what each store still holds about
    it: SQL (record, messages, review queue), Redis keys naming it with their lifetimes, files."""
    messages = await asyncio.to_thread(stored_transcript, services.engine, session_id)
    return {"session_id": session_id, "messages": [
        {"role": m.role, "text": m.text, "ts": m.ts.isoformat(), "internal": m.internal} for m in messages],
        "stores": await services.held_about(session_id)}


@router.delete("/conversations/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def erase(session_id: str, services: ServicesDep, principal: Admin) -> Response:
    """Erase one customer's conversation: transcript, escalated question and rating comment are deleted;
    the anonymous figures (times, outcome, score) stay so past reports do not change. The NLU review
    queue's copies, every Redis key naming it (live copy, the bot's tracker, rate-limit counters) and
    report exports naming it are erased too."""
    await services.erase_conversation(session_id)
    logger.info("erased conversation session=%s by=%s", session_id, principal.username)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/retention/run")
async def run_retention(services: ServicesDep, _: Admin) -> dict[str, int]:
    """Run the retention job now (it also runs every ``privacy.retention_interval_s``)."""
    purged = await services.run_retention()
    return {"purged": purged, "retention_days": services.settings.privacy.retention_days}
