"""The NLU retraining loop's admin API: train, evaluate, promote, roll back, and the review queue.

Every route needs the ``admin`` role. Training and evaluation run in the background (one job at a
time across gateways; ``GET /api/admin/nlu/job`` shows progress); promote and rollback answer
when every Rasa server has switched. How an admin uses it: docs/retraining.md.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Query, Request, status
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field
from redis.exceptions import RedisError

from bot.api.deps import ServicesDep, require_role
from bot.core.security import Principal, StaffRole
from bot.services import Services
from handoff import Role
from rasa_bridge import RasaError
from retraining import (
    AlreadyLive,
    ContainsLess,
    ExampleConflict,
    InvalidTrainingData,
    JobRunning,
    ModelRecord,
    NotEvaluated,
    NothingToRollBack,
    RetrainingError,
    ReviewStatus,
    UnknownModel,
    UnknownReviewItem,
)

router = APIRouter(prefix="/api/admin/nlu", tags=["nlu"],
                   responses={401: {"description": "No or invalid token"},
                              403: {"description": "The token's role is not admin"}})
Admin = Annotated[Principal, Depends(require_role(StaffRole.ADMIN))]
SERVED_TIMEOUT_S = 3.0
ModelId = Annotated[str, Path(min_length=1, max_length=64, description="A model id from GET /models")]


class TrainRequest(BaseModel):
    holdout_fraction: float | None = Field(None, ge=0.0, lt=1.0, description="Share of NLU examples held out "
                                           "for evaluation (default from settings; 0 trains on all)")


class EvaluateRequest(BaseModel):
    folds: int | None = Field(None, ge=0, le=10, description="Cross-validation folds (0 skips it, 1 is invalid; "
                                                            "default from settings)")


class PromoteRequest(BaseModel):
    force: bool = Field(False, description="Promote even though the model was never evaluated")


class ReviewAction(StrEnum):
    LABEL = "label"
    KB_GAP = "kb_gap"
    DISMISS = "dismiss"


class ReviewDecision(BaseModel):
    action: ReviewAction
    intent: str | None = Field(None, max_length=64, description="The intent to label with (action label)")


def _model(record: ModelRecord, live_id: str | None) -> dict[str, Any]:
    return {**record.model_dump(mode="json"), "live": record.id == live_id}


@router.get("/models")
async def list_models(services: ServicesDep, _: Admin) -> dict[str, Any]:
    """Every model in the registry, newest first, which one is live, whether a rollback has a model to
    return to, and what Rasa serves now (``served``: also a model made outside the registry, e.g. by
    ``make train``, which the registry adopts at the first promotion; null when Rasa does not answer),
    and the small sentence model this gateway's knowledge base searches with (``knowledge_base_encoder``:
    the live model's fitted encoder, ``tandem-fitted/<identity>``, or the packaged MiniLM)."""
    registry = services.retraining.registry
    live = await asyncio.to_thread(registry.live)
    records = await asyncio.to_thread(registry.all)
    state = await asyncio.to_thread(registry.live_state)
    live_id = live.id if live else None
    return {"live": live_id, "models": [_model(r, live_id) for r in records],
            "can_roll_back": len(state.stack) >= 2, "served": await _served(services),
            "knowledge_base_encoder": services.knowledge_base.embedders()[0].model_name}


async def _served(services: Services) -> dict[str, Any] | None:
    """The model the first Rasa server runs, and the registry model with its fingerprint (if any)."""
    servers = services.retraining.setup.servers
    if not servers:
        return None
    try:
        status_ = await asyncio.wait_for(servers[0].status(), SERVED_TIMEOUT_S)
    except (RasaError, OSError, TimeoutError):
        return None
    fingerprint = str(status_.get("model_id") or "")
    records = await asyncio.to_thread(services.retraining.registry.all)
    known = next((r.id for r in records if fingerprint and r.rasa_model_id == fingerprint), None)
    return {"model_file": FilePath(str(status_.get("model_file") or "")).name, "rasa_model_id": fingerprint,
            "registry_id": known}


@router.get("/models/{model_id}")
async def get_model(model_id: ModelId, services: ServicesDep, _: Admin) -> dict[str, Any]:
    """One model: data hash, times, people, evaluation (with the comparison to live) and history."""
    registry = services.retraining.registry
    record = await asyncio.to_thread(registry.get, model_id)
    live = await asyncio.to_thread(registry.live)
    return _model(record, live.id if live else None)


@router.get("/models/{model_id}/files/{name:path}", response_class=FileResponse,
            responses={200: {"description": "An evaluation file (JSON report or PNG)"}})
async def model_file(model_id: ModelId, name: str, services: ServicesDep, _: Admin) -> FileResponse:
    """An evaluation file the model's record lists (intent report, confusion matrix, errors)."""
    registry = services.retraining.registry
    record = await asyncio.to_thread(registry.get, model_id)
    if record.evaluation is None or name not in record.evaluation.files:
        listed = ", ".join(record.evaluation.files) if record.evaluation else "none (not evaluated yet)"
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"model {model_id} has no file {name!r}; its files: {listed}")
    return FileResponse(registry.folder(model_id) / name)


@router.post("/train", status_code=status.HTTP_202_ACCEPTED)
async def train(services: ServicesDep, principal: Admin, body: TrainRequest | None = None) -> dict[str, Any]:
    """Train a candidate from training_data/ in the background (the live model is not touched)."""
    fraction = body.holdout_fraction if body else None
    job = await services.retraining.start_train(principal.username, fraction)
    return job.as_dict()


@router.post("/models/{model_id}/evaluate", status_code=status.HTTP_202_ACCEPTED)
async def evaluate(model_id: ModelId, services: ServicesDep, principal: Admin,
                   body: EvaluateRequest | None = None) -> dict[str, Any]:
    """Evaluate a model in the background: held-out split, comparison with live, cross-validation."""
    folds = body.folds if body else None
    if folds == 1:
        raise InvalidTrainingData("cross-validation needs at least 2 folds (0 skips it)")
    job = await services.retraining.start_evaluate(model_id, principal.username, folds)
    return job.as_dict()


@router.get("/job")
async def current_job(services: ServicesDep, _: Admin) -> dict[str, Any]:
    """The latest train/evaluate/promote/rollback job: running (with progress), or how it ended."""
    jobs = services.retraining.jobs
    job = await jobs.current() if jobs else None
    return {"job": job.as_dict() if job else None}


@router.post("/models/{model_id}/promote")
async def promote(model_id: ModelId, services: ServicesDep, principal: Admin,
                  body: PromoteRequest | None = None) -> dict[str, Any]:
    """Make the model live on every Rasa server (no downtime); answers when all have switched."""
    record = await services.retraining.promote(model_id, principal.username, force=body.force if body else False)
    return _model(record, record.id)


@router.post("/rollback")
async def rollback(services: ServicesDep, principal: Admin) -> dict[str, Any]:
    """Return every Rasa server to the model that was live before the current one."""
    record = await services.retraining.rollback(principal.username)
    return _model(record, record.id)


@router.get("/review")
async def review_queue(
    services: ServicesDep, _: Admin,
    status_: Annotated[ReviewStatus | None, Query(alias="status", description="Default: pending")] = None,
    all_statuses: Annotated[bool, Query(alias="all", description="Every status")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Messages the live bot was unsure about or handed over, newest first, with the intents to label with."""
    queue = services.retraining.review
    wanted = None if all_statuses else (status_ or ReviewStatus.PENDING)
    items = await asyncio.to_thread(queue.items, wanted, limit, offset)
    replies = await asyncio.gather(*(_bot_said(services, item.session_id, item.created_at) for item in items))
    return {"items": [{**item.as_dict(), "bot_said": reply} for item, reply in zip(items, replies, strict=True)],
            "counts": await asyncio.to_thread(queue.counts), "intents": await asyncio.to_thread(queue.intents)}


async def _bot_said(services: Services, session_id: str, at: datetime) -> str | None:
    """The bot's first reply after the reviewed message, while the conversation's transcript is kept."""
    try:
        entries = await services.handoff.transcript(session_id, include_internal=False)
    except (OSError, RedisError):
        return None
    moment = at.timestamp() if at.tzinfo else at.replace(tzinfo=UTC).timestamp()
    return next((e.text for e in entries if e.role is Role.BOT and e.ts >= moment), None)


@router.post("/review/{item_id}")
async def decide(item_id: Annotated[int, Path(ge=1, le=2**62)], decision: ReviewDecision, services: ServicesDep,
                 principal: Admin) -> dict[str, Any]:
    """Label a message with an intent (it joins training_data/nlu_reviewed.yml), mark it as a
    knowledge-base gap, or dismiss it."""
    queue = services.retraining.review
    by = principal.username
    if decision.action == ReviewAction.LABEL:
        if not decision.intent:
            known = ", ".join(await asyncio.to_thread(queue.intents))
            raise HTTPException(status.HTTP_400_BAD_REQUEST, f"action label needs an intent, one of: {known}")
        item = await asyncio.to_thread(queue.label, item_id, decision.intent, by)
    elif decision.action == ReviewAction.KB_GAP:
        item = await asyncio.to_thread(services.learning.mark_review_item_as_gap, item_id, by)  # and the content page
    else:
        item = await asyncio.to_thread(queue.dismiss, item_id, by)
    return item.as_dict()


def status_for(error: RetrainingError | RasaError) -> int:
    """The HTTP status of a retraining error, or of Rasa's failing under the loop."""
    if isinstance(error, (UnknownModel, UnknownReviewItem)):
        return status.HTTP_404_NOT_FOUND
    if isinstance(error, (JobRunning, AlreadyLive, NothingToRollBack, NotEvaluated, ContainsLess,
                          ExampleConflict)):
        return status.HTTP_409_CONFLICT
    if isinstance(error, RasaError):
        return status.HTTP_502_BAD_GATEWAY
    return status.HTTP_400_BAD_REQUEST


def install_error_handler(app: FastAPI) -> None:
    """Retraining errors become 4xx, Rasa's errors 502, with the error's own message as ``detail``."""

    @app.exception_handler(RetrainingError)
    @app.exception_handler(RasaError)
    async def retraining_error(_: Request, exc: RetrainingError | RasaError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "code": exc.code}, status_code=status_for(exc))
