"""Service figures, reports, customer ratings and the knowledge-base gap view, for any period.

Supervisors and admins read the figures and reports; the content team (and admins) read the
gap view. Every endpoint takes the period as ``since``/``until`` (ISO 8601; a time without an
offset is read in ``timezone``, which defaults to the reports' configured zone).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from fastapi.responses import Response

from bot.api.deps import ServicesDep, require_role
from bot.core.security import Principal, StaffRole
from bot.services import Services
from desk.labels import normalize_label
from outcomes import KB_GAP_REASONS, EscalationReason, Period, ServiceReport, build_report, knowledge_gaps, summarize
from outcomes.article_stats import article_statistics
from outcomes.browse import (
    MAX_LISTED,
    MAX_SEARCH_CHARS,
    ConversationFilter,
    agents_seen,
    conversation_detail,
    find_conversations,
    summary_row,
)
from outcomes.metrics import conversation_rows, labels_used
from outcomes.models import Outcome
from outcomes.rendering import file_name, render_csv, render_html, render_pdf
from outcomes.report import comments, dashboard_figures

router = APIRouter(tags=["reports"])
Supervisor = Annotated[Principal, Depends(require_role(StaffRole.SUPERVISOR))]
Content = Annotated[Principal, Depends(require_role(StaffRole.CONTENT))]


def period(
    services: ServicesDep,
    since: Annotated[datetime | None, Query(description="start of the period (inclusive), ISO 8601")] = None,
    until: Annotated[datetime | None, Query(description="end of the period (exclusive), ISO 8601")] = None,
    timezone: Annotated[str | None, Query(description="IANA zone for days and hours, e.g. Europe/Berlin")] = None,
    label: Annotated[str | None, Query(max_length=64, description="only conversations agents tagged with "
                                       "this label (not the knowledge gaps)")] = None,
) -> Period:
    """The period the caller asked for; a bad zone, an empty period or a bad label is a 400 with the reason."""
    zone_name = timezone or services.settings.service.timezone
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"unknown time zone {zone_name!r}") from exc

    def local(moment: datetime | None) -> datetime | None:
        return moment.replace(tzinfo=zone) if moment and moment.tzinfo is None else moment

    return Period(local(since), local(until), zone_name, normalize_label(label) if label else None)


PeriodDep = Annotated[Period, Depends(period)]


@router.get("/api/metrics/summary")
async def metrics_summary(services: ServicesDep, _: Supervisor, selected: PeriodDep) -> dict[str, Any]:
    """Volume by day and hour, outcomes, resolution, containment, escalations by reason, CSAT,
    first responses within target, response-time percentiles, queue waits and handling times; with
    ``checks`` (each target: achieved, target, met), ``previous`` (the same figures for the period of
    the same length just before) and ``labels`` (words for the outcome and reason codes)."""
    return await asyncio.to_thread(dashboard_figures, services.engine, selected, services.settings.service.targets)


@router.get("/api/metrics/labels")
async def metrics_labels(services: ServicesDep, _: Supervisor, selected: PeriodDep) -> dict[str, int]:
    """The labels on the period's conversations with how many carry each, most used first (the
    dashboard's label filter offers these; the ``label`` parameter itself is ignored here)."""
    return await asyncio.to_thread(labels_used, services.engine, selected)


@router.get("/api/metrics/csat")
async def csat(services: ServicesDep, _: Supervisor, selected: PeriodDep,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    """Ratings (count, response rate, share of 4-5, distribution) and the newest comments (redacted)."""
    rows = await asyncio.to_thread(conversation_rows, services.engine, selected)
    metrics = await asyncio.to_thread(summarize, services.engine, selected)
    return {"csat": metrics.csat, "comments": comments(rows, limit, selected.zone)}


class ReportFormat(StrEnum):
    JSON = "json"
    HTML = "html"
    PDF = "pdf"
    CSV = "csv"


def _service_report(services: Services, selected: Period) -> ServiceReport:
    service = services.settings.service
    tag = selected.conversation_label
    title = f"Service report — conversations labelled “{tag}”" if tag else "Service report"
    return build_report(services.engine, selected, service.targets, service.fees, embed=services.embedder.embed,
                        title=title)


def _download(body: str | bytes, media_type: str, selected: Period, extension: str) -> Response:
    """A file to save, not to show: the browser keeps its name (the period's first and last day)."""
    return Response(body, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{file_name(selected, extension)}"'})


@router.get("/api/reports/service", response_model=None)
async def service_report(services: ServicesDep, _: Supervisor, selected: PeriodDep,
                         format: ReportFormat = ReportFormat.JSON) -> dict[str, Any] | Response:
    """The service report against the configured targets: JSON, or a file to download (HTML, PDF, or CSV of
    the underlying rows) named after the period's first and last day."""
    if format == ReportFormat.CSV:
        rows = await asyncio.to_thread(conversation_rows, services.engine, selected)
        return _download(render_csv(rows), "text/csv; charset=utf-8", selected, "csv")
    report = await asyncio.to_thread(_service_report, services, selected)
    if format == ReportFormat.HTML:
        return _download(await asyncio.to_thread(render_html, report), "text/html; charset=utf-8", selected, "html")
    if format == ReportFormat.PDF:
        return _download(await asyncio.to_thread(render_pdf, report), "application/pdf", selected, "pdf")
    return report.as_dict()


@router.get("/api/reports/conversations")
async def conversations(
    services: ServicesDep, _: Supervisor, selected: PeriodDep,
    outcome: Outcome | None = None, reason: EscalationReason | None = None,
    rating: Annotated[int | None, Query(ge=1, le=5, description="the customer's 1-5 rating")] = None,
    commented: Annotated[bool, Query(description="only conversations with a rating comment")] = False,
    agent: Annotated[str | None, Query(max_length=64, description="only conversations this agent (id) held")] = None,
    q: Annotated[str | None, Query(max_length=MAX_SEARCH_CHARS, description="words in the stored (redacted) "
                                   "transcript, escalated question or rating comment")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """The period's conversations, newest first, a page at a time: filtered by outcome, escalation reason,
    rating, having a comment, label (``label``), agent and words; each with its codes in words and times
    on the service's clock. ``total`` counts every match, ``offset`` and ``limit`` choose the page."""
    chosen = ConversationFilter(outcome, reason, rating, commented, agent=agent or None, text=q or None)
    total, records = await asyncio.to_thread(find_conversations, services.engine, selected, chosen, limit, offset)
    return {"period": selected.as_dict(), "total": total, "offset": offset, "limit": limit,
            "conversations": [summary_row(record, selected) for record in records]}


@router.get("/api/reports/agents")
async def agents(services: ServicesDep, _: Supervisor, selected: PeriodDep) -> dict[str, Any]:
    """The agents who held one of the period's conversations (the conversations page's agent filter)."""
    return {"agents": await asyncio.to_thread(agents_seen, services.engine, selected)}


@router.get("/api/reports/conversations/{session_id}")
async def conversation(session_id: Annotated[str, Path(max_length=64)], services: ServicesDep, _: Supervisor,
                       selected: PeriodDep) -> dict[str, Any]:
    """One finished conversation and its stored transcript, redacted as it was stored (404 when unknown)."""
    return await asyncio.to_thread(conversation_detail, services.engine, session_id, selected)


@router.get("/api/reports/kb-gaps")
async def kb_gaps(
    services: ServicesDep, _: Content, selected: PeriodDep,
    reasons: Annotated[list[EscalationReason] | None, Query(description="default: low_confidence, "
                                                            "repeated_fallback, not_helpful")] = None,
    threshold: Annotated[float, Query(ge=0.3, le=0.95, description="cosine similarity to join a group")] = 0.6,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    """Questions that went to a person because the knowledge base could not answer them, grouped by
    meaning, largest group first, each with examples (redacted)."""
    chosen = reasons or list(KB_GAP_REASONS)
    clusters = await asyncio.to_thread(knowledge_gaps, services.engine, selected, services.embedder.embed,
                                       chosen, threshold, limit)
    return {"period": selected.as_dict(), "reasons": chosen, "clusters": [c.as_dict() for c in clusters]}


@router.get("/api/reports/articles")
async def article_figures(services: ServicesDep, _: Content, selected: PeriodDep) -> dict[str, Any]:
    """Per article, over the period: conversations the bot answered with it, rated helpful or unhelpful
    after it, handed to a person after it (outcomes/article_stats.py defines each), most failures first.
    Articles nobody was answered with are listed with zeros; each row has the article's title and status."""
    kb = services.knowledge_base
    articles = {article.id: article for article in await asyncio.to_thread(kb.list_articles)}
    figures = await asyncio.to_thread(article_statistics, services.engine, selected, list(articles))
    rows = []
    for entry in figures:
        article = articles.get(entry.article_id)
        rows.append(entry.as_dict() | {"title": article.title if article else None,
                                       "status": article.status.value if article else "deleted"})
    return {"period": selected.as_dict(), "articles": rows}
