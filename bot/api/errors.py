"""Maps each package's domain errors to HTTP answers, in one place."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from desk import CannedNotFound, DeskError, DuplicateShortcut
from encoders import EncoderUnavailable
from handoff import HandoffError, SessionNotFound
from knowledge_base import ArticleAlreadyExists, ArticleNotFound, DraftNotFound, KnowledgeBaseError, TermNotFound
from learning import AlreadyDecided, GapNotFound, LearningError, PendingDraft, ProposalNotFound
from outcomes import OutcomesError, UnknownConversation
from webhooks import WebhookError


def install_error_handlers(app: FastAPI) -> None:
    """Domain errors become 4xx with the error's own message as ``detail``."""

    @app.exception_handler(HandoffError)
    async def handoff_error(_: Request, exc: HandoffError) -> JSONResponse:
        code = status.HTTP_404_NOT_FOUND if isinstance(exc, SessionNotFound) else status.HTTP_409_CONFLICT
        return JSONResponse({"detail": str(exc), "code": exc.code}, status_code=code)

    @app.exception_handler(OutcomesError)
    async def outcomes_error(_: Request, exc: OutcomesError) -> JSONResponse:
        code = (status.HTTP_404_NOT_FOUND if isinstance(exc, UnknownConversation)
                else status.HTTP_400_BAD_REQUEST)  # 422 is reserved for FastAPI's field-level validation
        return JSONResponse({"detail": str(exc), "code": exc.code}, status_code=code)

    @app.exception_handler(DeskError)
    async def desk_error(_: Request, exc: DeskError) -> JSONResponse:
        code = (status.HTTP_404_NOT_FOUND if isinstance(exc, CannedNotFound)
                else status.HTTP_409_CONFLICT if isinstance(exc, DuplicateShortcut)
                else status.HTTP_400_BAD_REQUEST)
        return JSONResponse({"detail": str(exc), "code": exc.code}, status_code=code)

    @app.exception_handler(KnowledgeBaseError)
    async def knowledge_base_error(_: Request, exc: KnowledgeBaseError) -> JSONResponse:
        code = (status.HTTP_404_NOT_FOUND if isinstance(exc, ArticleNotFound | TermNotFound | DraftNotFound)
                else status.HTTP_409_CONFLICT if isinstance(exc, ArticleAlreadyExists)
                else status.HTTP_400_BAD_REQUEST)
        return JSONResponse({"detail": str(exc), "code": exc.code}, status_code=code)

    @app.exception_handler(EncoderUnavailable)
    async def models_unavailable(_: Request, exc: EncoderUnavailable) -> JSONResponse:
        # The model workers are down or too busy (encoders/remote.py): a retry will do.
        return JSONResponse({"detail": f"{exc}; try again shortly", "code": "models_unavailable"},
                            status_code=status.HTTP_503_SERVICE_UNAVAILABLE)

    @app.exception_handler(WebhookError)
    async def webhook_error(_: Request, exc: WebhookError) -> JSONResponse:
        return JSONResponse({"detail": str(exc), "code": exc.code}, status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(LearningError)
    async def learning_error(_: Request, exc: LearningError) -> JSONResponse:
        code = (status.HTTP_404_NOT_FOUND if isinstance(exc, ProposalNotFound | GapNotFound)
                else status.HTTP_409_CONFLICT if isinstance(exc, AlreadyDecided | PendingDraft)
                else status.HTTP_400_BAD_REQUEST)
        return JSONResponse({"detail": str(exc), "code": exc.code}, status_code=code)
