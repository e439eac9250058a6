"""The web pages: the widget's demo page, the agent console, the service dashboard, the knowledge-base
and NLU retraining pages (static files)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
router = APIRouter(include_in_schema=False)


@router.get("/")
async def demo_page() -> FileResponse:
    """A demo product page with the chat widget."""
    return FileResponse(STATIC_DIR / "index.html")


@router.get("/console")
async def agent_console() -> FileResponse:
    """The agent console."""
    return FileResponse(STATIC_DIR / "console.html")


@router.get("/dashboard")
async def service_dashboard() -> FileResponse:
    """The service dashboard (figures, reports, knowledge gaps)."""
    return FileResponse(STATIC_DIR / "dashboard.html")


@router.get("/content")
async def content_page() -> FileResponse:
    """The knowledge-base page: curate articles and try what the bot would answer."""
    return FileResponse(STATIC_DIR / "content.html")


@router.get("/admin")
async def admin_page() -> FileResponse:
    """The NLU retraining page: the review queue, and training, evaluating, promoting, rolling back models."""
    return FileResponse(STATIC_DIR / "admin.html")
