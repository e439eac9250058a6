"""The gateway's app factory: ``uvicorn --factory bot.main:create_app``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from bot.api.errors import install_error_handlers
from bot.api.routes import (
    actions,
    auth,
    content,
    desk,
    drafts,
    handoff,
    health,
    learning,
    nlu_admin,
    pages,
    privacy,
    reports,
    sockets,
    webhooks,
)
from bot.api.routes.pages import STATIC_DIR
from bot.core.config import Settings, get_settings
from bot.services import build_services, startup_turn


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the gateway; services start in the lifespan so tests can pass their own settings."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with startup_turn(settings.redis_url):
            app.state.services = await build_services(settings)
        try:
            yield
        finally:
            await app.state.services.aclose()

    # /docs and /redoc from assets in a pinned package (fastapi-offline), not a CDN: they work offline.
    app = FastAPIOffline(title="Tandem gateway", version="0.1.0", lifespan=lifespan,
                         description="Customer widget, agent console, content/admin APIs and Rasa's action endpoint.")
    for module in (auth, health, handoff, desk, reports, privacy, webhooks, content, drafts, learning, nlu_admin,
                   actions, pages, sockets):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_handlers(app)
    nlu_admin.install_error_handler(app)
    return app
