"""The agent's desk over HTTP: suggested answers, canned responses and labels.

Agents (and supervisors, admins) read suggestions and canned responses and label conversations;
supervisors and admins edit the canned responses. The content team reads none of it: these
routes show what customers wrote. The rules themselves are in :mod:`desk`; the search is the
knowledge base's, run in a worker thread as every other embedding.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, status
from pydantic import BaseModel, Field

from bot.api.deps import ServicesDep, require_role
from bot.core.security import Principal, StaffRole
from bot.markdown import markdown_to_text
from bot.services import Services
from desk import customer_first_name, fill, latest_question, normalize_labels, refuse_personal_data
from handoff import TranscriptEntry

router = APIRouter(prefix="/api/handoff", tags=["desk"])
AgentOnly = Annotated[Principal, Depends(require_role(StaffRole.AGENT))]
SupervisorOnly = Annotated[Principal, Depends(require_role(StaffRole.SUPERVISOR))]
SessionPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9]+$")]
CannedId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class CannedIn(BaseModel):
    shortcut: str = Field(max_length=64, description="what agents type after '/', e.g. thanks")
    text: str = Field(max_length=4000, description="may use {customer_first_name} and {agent_name}")


class LabelsIn(BaseModel):
    labels: list[Annotated[str, Field(max_length=64)]] = Field(max_length=50)


@router.get("/sessions/{session_id}/suggestions")
async def suggestions(services: ServicesDep, _: AgentOnly, session_id: SessionPath) -> dict[str, Any]:
    """The best knowledge-base articles for the customer's latest question, with their scores and
    their answers as plain text (what the reply box takes)."""
    question = latest_question(await _transcript(services, session_id))
    k = services.settings.handoff.suggestions
    found = await asyncio.to_thread(services.knowledge_base.search, question, k) if question and k else []
    return {"session_id": session_id, "question": question, "articles": [
        {"id": c.article_id, "title": c.title, "score": round(c.score, 3), "answer": markdown_to_text(c.body)}
        for c in found]}


@router.get("/canned")
async def list_canned(services: ServicesDep, _: AgentOnly) -> list[dict[str, Any]]:
    """Every canned response, by shortcut."""
    return [vars(c) for c in await asyncio.to_thread(services.canned.list)]


@router.post("/canned", status_code=status.HTTP_201_CREATED)
async def create_canned(services: ServicesDep, who: SupervisorOnly, body: CannedIn) -> dict[str, Any]:
    """A new canned response (400 for an empty text or an unknown placeholder, 409 for a taken shortcut)."""
    return vars(await asyncio.to_thread(services.canned.create, body.shortcut, body.text, who.username))


@router.put("/canned/{canned_id}")
async def update_canned(services: ServicesDep, who: SupervisorOnly, canned_id: CannedId,
                        body: CannedIn) -> dict[str, Any]:
    """Replace a canned response's shortcut and text."""
    return vars(await asyncio.to_thread(services.canned.update, canned_id, body.shortcut, body.text, who.username))


@router.delete("/canned/{canned_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_canned(services: ServicesDep, _: SupervisorOnly, canned_id: CannedId) -> None:
    """Remove a canned response."""
    await asyncio.to_thread(services.canned.delete, canned_id)


@router.get("/sessions/{session_id}/canned/{shortcut}")
async def canned_for(services: ServicesDep, who: AgentOnly, session_id: SessionPath,
                     shortcut: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    """The response ``/shortcut`` inserts into this conversation's reply box, placeholders filled."""
    transcript = await _transcript(services, session_id)
    canned = await asyncio.to_thread(services.canned.by_shortcut, shortcut)
    name = (await asyncio.to_thread(customer_first_name, transcript, services.redactor.person_spans)
            if "{customer_first_name}" in canned.text else None)
    return {"shortcut": canned.shortcut, "text": fill(canned.text, agent_name=who.name, customer_first_name=name)}


async def _transcript(services: Services, session_id: str) -> list[TranscriptEntry]:
    """What the customer saw of a conversation; an unknown or expired one is a 404."""
    await services.handoff.get_session(session_id)
    return await services.handoff.transcript(session_id, include_internal=False)


@router.put("/sessions/{session_id}/labels")
async def set_labels(services: ServicesDep, _: AgentOnly, session_id: SessionPath, body: LabelsIn) -> dict[str, Any]:
    """Replace a waiting or held conversation's labels (every console's queue shows them at once);
    a label with personal data in it is refused (400), as one that is not a short tag."""
    labels = normalize_labels(body.labels)
    await asyncio.to_thread(refuse_personal_data, labels, services.redactor.redact)
    session = await services.handoff.set_labels(session_id, labels)
    return {"session_id": session_id, "labels": list(session.labels)}
