"""The web pages: the widget's demo page (a static file), and the staff pages — agent console, service
dashboard, conversations, knowledge base, NLU retraining — rendered from templates/ on one layout (staff_base.html)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from outcomes.labels import vocabulary

BOT_DIR = Path(__file__).resolve().parents[2]
STATIC_DIR = BOT_DIR / "static"
templates = Jinja2Templates(directory=BOT_DIR / "templates")
router = APIRouter(include_in_schema=False)


@router.get("/")
async def demo_page() -> FileResponse:
    """A demo product page with the chat widget."""
    return FileResponse(STATIC_DIR / "index.html")


@router.get("/console")
async def agent_console(request: Request) -> HTMLResponse:
    """The agent console."""
    return templates.TemplateResponse(request, "console.html")


@router.get("/dashboard")
async def service_dashboard(request: Request) -> HTMLResponse:
    """The service dashboard (figures, reports, knowledge gaps). Its days are the service's, not the
    browser's: the page is told the configured zone, so "today" is today where the service is."""
    timezone = request.app.state.services.settings.service.timezone
    return templates.TemplateResponse(request, "dashboard.html", {"timezone": timezone})


@router.get("/conversations")
async def conversations_page(request: Request) -> HTMLResponse:
    """The supervisors' conversations page: finished conversations filtered and searched, each opening its
    redacted transcript. Told the service's zone (days are the service's) and the words for the codes."""
    timezone = request.app.state.services.settings.service.timezone
    return templates.TemplateResponse(request, "conversations.html", {"timezone": timezone, "words": vocabulary()})


@router.get("/content")
async def content_page(request: Request) -> HTMLResponse:
    """The knowledge-base page: curate articles and try what the bot would answer."""
    return templates.TemplateResponse(request, "content.html")


@router.get("/admin")
async def admin_page(request: Request) -> HTMLResponse:
    """The NLU retraining page: the review queue, and training, evaluating, promoting, rolling back models."""
    return templates.TemplateResponse(request, "admin.html")
