"""The review side of the content API: pending drafts of published articles, diffs, old versions, restore.

Editing a published article (``PUT /api/content/articles/{id}``) saves a draft and leaves the live
article as it was; the draft is reviewed here (its diff with the live article), then published
(``POST .../publish``) or discarded. Any version in the history can be read, compared and restored
(restoring makes a new draft). Same ``content`` role as the rest of the content API.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field

from bot.api.deps import ServicesDep, require_role
from bot.api.routes.content import ArticleOut, article_out
from bot.core.security import Principal, StaffRole
from knowledge_base import Article, Draft, DraftNotFound, KnowledgeBase
from knowledge_base.diff import article_diff
from knowledge_base.exchange import article_fields

router = APIRouter(prefix="/api/content/articles", tags=["content"],
                   responses={401: {"description": "No or invalid token"},
                              403: {"description": "The token's role does not include content"},
                              404: {"description": "No such article, draft or version"}})
Curator = Annotated[Principal, Depends(require_role(StaffRole.CONTENT))]
DRAFT = "draft"


class DraftOut(BaseModel):
    """Edits to a published article that customers do not see until they are published."""

    article: ArticleOut = Field(description="The edited content (status: the live article's)")
    base_version: int = Field(description="The live version the draft was edited from")
    saved_by: str
    saved_at: datetime


class DiffOut(BaseModel):
    base: str = Field(description="What the diff starts from, e.g. 'v3 (live)'")
    target: str = Field(description="What it goes to, e.g. 'draft by content'")
    lines: list[str] = Field(description="A unified diff: '---'/'+++' headers, '@@' hunks, then '+', '-' or ' ' "
                             "and the line")


class RestoreRequest(BaseModel):
    version: int = Field(ge=1, description="The history version whose content comes back, as a draft")


@router.get("/{article_id}/draft")
async def get_draft(article_id: str, services: ServicesDep, _: Curator) -> DraftOut:
    """The pending draft of a published article (404 when it has none)."""
    return _draft_out(await asyncio.to_thread(_require_draft, services.knowledge_base, article_id))


@router.delete("/{article_id}/draft", status_code=status.HTTP_204_NO_CONTENT)
async def discard_draft(article_id: str, services: ServicesDep, _: Curator) -> None:
    """Forget the pending draft; the live article stays as it is."""
    await asyncio.to_thread(services.knowledge_base.discard_draft, article_id)


@router.get("/{article_id}/versions/{version}")
async def get_version(article_id: str, version: int, services: ServicesDep, _: Curator) -> ArticleOut:
    """The article as it was at one version of its history."""
    return article_out(await asyncio.to_thread(services.knowledge_base.version, article_id, version))


@router.get("/{article_id}/diff")
async def diff(article_id: str, services: ServicesDep, _: Curator,
               base: Annotated[int | None, Query(ge=1, description="A version; default: the live one")] = None,
               target: Annotated[str, Query(pattern=r"^(draft|[1-9][0-9]*)$",
                                            description="'draft' (default) or a version")] = DRAFT) -> DiffOut:
    """What changed between two versions, or between the live article and its pending draft."""
    return await asyncio.to_thread(_diff, services.knowledge_base, article_id, base, target)


@router.post("/{article_id}/restore")
async def restore(article_id: str, request: RestoreRequest, services: ServicesDep, curator: Curator) -> ArticleOut:
    """Bring back an old version's content: a new draft of a published article (the live one is untouched),
    or a new version of one that is not live."""
    kb = services.knowledge_base
    saved = await asyncio.to_thread(kb.restore, article_id, request.version, curator.username)
    return article_out(saved, has_draft=await asyncio.to_thread(kb.draft, article_id) is not None)


def _require_draft(kb: KnowledgeBase, article_id: str) -> Draft:
    draft = kb.draft(article_id)
    if draft is None:
        raise DraftNotFound(article_id)
    return draft


def _diff(kb: KnowledgeBase, article_id: str, base: int | None, target: str) -> DiffOut:
    live = kb.get_article(article_id)
    old = kb.version(article_id, base) if base is not None else live
    old_label = f"v{old.version}" + (" (live)" if base is None else "")
    new: Article
    if target == DRAFT:
        draft = _require_draft(kb, article_id)
        new, new_label = draft.article, f"draft by {draft.actor}"
    else:
        new = kb.version(article_id, int(target))
        new_label = f"v{new.version}"
    return DiffOut(base=old_label, target=new_label, lines=article_diff(old, new, old_label, new_label))


def _draft_out(draft: Draft) -> DraftOut:
    fields = article_fields(draft.article)
    article = ArticleOut(**fields, version=draft.base_version, created_at=None, updated_at=draft.at, has_draft=True)
    return DraftOut(article=article, base_version=draft.base_version, saved_by=draft.actor, saved_at=draft.at)
