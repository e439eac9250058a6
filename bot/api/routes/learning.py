"""The learning API: proposals made from what agents answered, knowledge gaps with a state, their audit.

Every route needs the ``content`` role (``admin`` includes it). Decisions publish through the
knowledge base's curation verbs (re-indexed at once; other gateways follow within a second) and
are audited twice: the proposal's or gap's step here, the article's revision there.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from bot.api.deps import ServicesDep, require_role
from bot.api.routes.content import ArticleOut, Question, article_out, what_would_the_bot_answer
from bot.core.security import Principal, StaffRole
from bot.services import Services
from learning import ArticleEdits, GapState, Proposal, ProposalState

router = APIRouter(prefix="/api/learning", tags=["learning"],
                   responses={401: {"description": "No or invalid token"},
                              403: {"description": "The token's role does not include content"}})
Curator = Annotated[Principal, Depends(require_role(StaffRole.CONTENT))]
ItemId = Annotated[int, Path(ge=1, le=2**62)]
VETO_CHECKED = 5  # questions of a proposal asked of the live routing before it is published


class ProposalFilter(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    MERGED = "merged"
    REJECTED = "rejected"
    ALL = "all"


class GapFilter(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    DISMISSED = "dismissed"
    ALL = "all"


class ArticleEditsIn(BaseModel):
    """What the curator changed; fields left out keep the proposal's."""

    id: str | None = Field(None, min_length=1, max_length=100, description="A slug such as 'hub-reset'")
    title: str | None = Field(None, min_length=1, max_length=200)
    body: str | None = Field(None, min_length=1, max_length=20000, description="The answer, in Markdown")
    questions: list[str] | None = Field(None, max_length=100, description="The phrasings to publish")
    product: str | None = Field(None, max_length=100)
    tags: list[str] = Field(default_factory=list, max_length=50)


class AcceptIn(BaseModel):
    article: ArticleEditsIn | None = Field(None, description="Edits before publishing; none: publish as proposed")


class MergeIn(BaseModel):
    article_id: str = Field(min_length=1, max_length=100, description="The existing article to add the questions to")
    questions: list[str] | None = Field(None, max_length=100, description="Which questions (default: all)")


class RejectIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="Why: kept with the proposal and audited")


class NoteIn(BaseModel):
    note: str = Field("", max_length=500)


class Decided(BaseModel):
    proposal: dict[str, Any]
    article: ArticleOut | None = None
    nlu_examples: int = Field(default=0, description="Questions sent to the NLU review queue (the classifier "
                              "vetoed them)")


@router.get("/proposals")
async def list_proposals(services: ServicesDep, _: Curator, state: ProposalFilter = ProposalFilter.OPEN
                         ) -> dict[str, list[dict[str, Any]]]:
    """Proposals (open ones by default), those most customers asked first."""
    chosen = None if state is ProposalFilter.ALL else ProposalState(state.value)
    proposals = await asyncio.to_thread(services.learning.proposals.list, chosen)
    return {"proposals": [asdict(p) for p in proposals]}


@router.get("/proposals/{proposal_id}", responses={404: {"description": "No such proposal"}})
async def get_proposal(proposal_id: ItemId, services: ServicesDep, _: Curator) -> dict[str, Any]:
    """One proposal with its audit trail (newest step first)."""
    proposal = await asyncio.to_thread(services.learning.proposals.get, proposal_id)
    steps = await asyncio.to_thread(services.learning.audit, 100, "proposal", proposal_id)
    return asdict(proposal) | {"audit": [asdict(s) for s in steps]}


@router.post("/proposals/{proposal_id}/accept",
             responses={404: {"description": "No such proposal"}, 409: {"description": "Decided already, or the "
                        "article has unpublished changes"}, 400: {"description": "The edits make no valid article"}})
async def accept(proposal_id: ItemId, decision: AcceptIn, services: ServicesDep, curator: Curator) -> Decided:
    """Publish the proposal as it is, or edited: a new article, or its questions added to the article it names."""
    learning = services.learning
    proposal = await asyncio.to_thread(learning.open_proposal, proposal_id)
    queued = await _queue_vetoed(services, proposal, curator)
    edits = _edits(decision.article)
    decided, article = await asyncio.to_thread(learning.accept, proposal_id, curator.username, edits)
    return Decided(proposal=asdict(decided), article=article_out(article), nlu_examples=queued)


@router.post("/proposals/{proposal_id}/merge", responses={404: {"description": "No such proposal or article"},
                                                         409: {"description": "Decided already"}})
async def merge(proposal_id: ItemId, decision: MergeIn, services: ServicesDep, curator: Curator) -> Decided:
    """Add the proposal's questions to another article as phrasings, and publish it."""
    learning = services.learning
    proposal = await asyncio.to_thread(learning.open_proposal, proposal_id)
    await asyncio.to_thread(services.knowledge_base.get_article, decision.article_id)  # 404 before anything
    queued = await _queue_vetoed(services, proposal, curator)
    decided, article = await asyncio.to_thread(learning.merge, proposal_id, decision.article_id, curator.username,
                                               decision.questions)
    return Decided(proposal=asdict(decided), article=article_out(article), nlu_examples=queued)


@router.post("/proposals/{proposal_id}/reject", responses={404: {"description": "No such proposal"},
                                                          409: {"description": "Decided already"}})
async def reject(proposal_id: ItemId, decision: RejectIn, services: ServicesDep, curator: Curator) -> Decided:
    """Close the proposal without publishing anything; the reason is kept."""
    decided = await asyncio.to_thread(services.learning.reject, proposal_id, curator.username, decision.reason)
    return Decided(proposal=asdict(decided))


@router.get("/gaps")
async def list_gaps(services: ServicesDep, _: Curator, state: GapFilter = GapFilter.OPEN) -> dict[str, Any]:
    """Knowledge gaps (open ones by default), those most customers hit first, with their signals and dates."""
    chosen = None if state is GapFilter.ALL else GapState(state.value)
    gaps = await asyncio.to_thread(services.learning.list_gaps, chosen)
    return {"gaps": [asdict(g) for g in gaps]}


@router.post("/gaps/{gap_id}/dismiss", responses={404: {"description": "No such gap"}})
async def dismiss_gap(gap_id: ItemId, body: NoteIn, services: ServicesDep, curator: Curator) -> dict[str, Any]:
    """Nothing to write for this gap; it keeps counting but stays dismissed."""
    return asdict(await asyncio.to_thread(services.learning.dismiss_gap, gap_id, curator.username, body.note))


@router.post("/gaps/{gap_id}/reopen", responses={404: {"description": "No such gap"}})
async def reopen_gap(gap_id: ItemId, services: ServicesDep, curator: Curator) -> dict[str, Any]:
    return asdict(await asyncio.to_thread(services.learning.reopen_gap, gap_id, curator.username))


@router.post("/gaps/{gap_id}/article", status_code=201, responses={404: {"description": "No such gap"}})
async def article_from_gap(gap_id: ItemId, services: ServicesDep, curator: Curator) -> ArticleOut:
    """"Create article from this": a draft with the gap's question as title and its examples as phrasings;
    publishing it marks the gap answered."""
    return article_out(await asyncio.to_thread(services.learning.draft_from_gap, gap_id, curator.username))


@router.get("/audit")
async def audit_trail(services: ServicesDep, _: Curator, limit: Annotated[int, Query(ge=1, le=1000)] = 100
                      ) -> dict[str, Any]:
    """Every step on proposals and gaps, newest first: who, when, what, and what changed."""
    return {"steps": [asdict(s) for s in await asyncio.to_thread(services.learning.audit, limit)]}


async def _queue_vetoed(services: Services, proposal: Proposal, curator: Principal) -> int:
    """What the bot answers today for the proposal's questions (the content preview's routing); those the
    classifier kept from the knowledge base go to the NLU review queue, labelled as product questions."""
    verdicts = []
    for question in proposal.questions[:VETO_CHECKED]:
        today = await what_would_the_bot_answer(Question(question=question), services, curator)
        verdicts.append((question, {"rule": today.decision.decided_by, **today.decision.signals}))
    return await asyncio.to_thread(services.learning.vetoed, proposal, verdicts)


def _edits(given: ArticleEditsIn | None) -> ArticleEdits | None:
    if given is None:
        return None
    return ArticleEdits(id=given.id, title=given.title, body=given.body,
                        questions=tuple(given.questions) if given.questions is not None else None,
                        product=given.product, tags=tuple(given.tags))
