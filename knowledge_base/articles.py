"""Articles: the value object, its history, and what a store of them must offer.

An :class:`Article` is immutable and validates itself, so every article that exists in
memory is one the store may save. Its ``content_hash`` covers what retrieval and answers
depend on (not the status or timestamps), which is what makes re-importing idempotent and
lets the indexes tell which articles need embedding again.

Every change a store saves becomes a :class:`Revision`: a numbered snapshot of the article
with who changed it, when, and how. Revisions are the version history of one article, the
audit trail of the whole knowledge base, and the change feed other processes follow
(their ``seq`` increases across all articles). The SQL store is in :mod:`knowledge_base.store`.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, StrEnum
from functools import cached_property
from typing import Protocol

from knowledge_base.errors import InvalidArticle

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
MAX_ID_LENGTH = 100
MAX_TITLE_LENGTH = 200


class ArticleStatus(StrEnum):
    """Where an article is in its life: only published articles are searched and answered."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class Change(Enum):
    """What :meth:`ArticleStore.upsert` did, so an import can report created/updated/unchanged."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"

    @property
    def changed(self) -> bool:
        """True when the store now holds something it did not hold before."""
        return self is not Change.UNCHANGED


@dataclass(frozen=True)
class Article:
    """One knowledge-base article; lists given for ``tags``/``questions`` are kept as tuples."""

    id: str
    title: str
    body: str
    product: str | None = None
    tags: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    language: str = "en"
    status: ArticleStatus = ArticleStatus.DRAFT
    created_at: datetime | None = field(default=None, compare=False)
    updated_at: datetime | None = field(default=None, compare=False)
    version: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        # Normalise the forms people naturally write (YAML lists, "published") so that equal
        # articles compare and hash equal, then refuse anything the store must not hold.
        object.__setattr__(self, "tags", tuple(self.tags))
        object.__setattr__(self, "questions", tuple(self.questions))
        problems = article_problems(self)
        if problems:
            raise InvalidArticle([f"article {self.id!r}: {problem}" for problem in problems])
        object.__setattr__(self, "status", ArticleStatus(self.status))

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of everything retrieval and answers use; status and timestamps excluded."""
        content = [self.title, self.body, self.product, self.tags, self.questions, self.language]
        canonical = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def article_problems(article: Article) -> list[str]:
    """Every rule the article breaks, worded as what to fix; empty when it is valid."""
    problems = []
    if not (_SLUG.fullmatch(str(article.id)) and len(article.id) <= MAX_ID_LENGTH):
        problems.append(
            f"id must be a slug of lowercase letters, digits and single hyphens, "
            f"at most {MAX_ID_LENGTH} characters (e.g. 'hub-reset')"
        )
    if not isinstance(article.title, str) or not article.title.strip():
        problems.append("title is empty; give the article a title")
    elif len(article.title) > MAX_TITLE_LENGTH:
        problems.append(f"title is longer than {MAX_TITLE_LENGTH} characters; shorten it")
    if not isinstance(article.body, str) or not article.body.strip():
        problems.append("body is empty; write the answer below the front matter")
    if article.product is not None and not _are_texts([article.product]):
        problems.append("product must be a non-empty string, or left out")
    if not _are_texts(article.tags):
        problems.append("tags must be a list of non-empty strings")
    if not _are_texts(article.questions):
        problems.append("questions must be a list of non-empty strings (alternative phrasings)")
    if not _LANGUAGE.fullmatch(str(article.language)):
        problems.append("language must be a language code such as 'en' or 'pt-BR'")
    if article.status not in ArticleStatus.__members__.values():
        problems.append(f"status must be one of {', '.join(ArticleStatus)}")
    return problems


def _are_texts(values: Iterable[object]) -> bool:
    return all(isinstance(value, str) and value.strip() for value in values)


def slug_for(title: str) -> str:
    """A stable article id made from a title, for imports that carry none (CSV, JSON).

    Re-importing the same title gives the same id, so the import updates instead of duplicating.
    A title too long for an id, or with no latin letters, gets a short hash of itself appended.
    """
    slug = "-".join(re.findall(r"[a-z0-9]+", title.lower()))
    if slug and len(slug) <= MAX_ID_LENGTH:
        return slug
    digest = hashlib.sha256(title.encode("utf-8")).hexdigest()[:8]
    stem = slug[: MAX_ID_LENGTH - len(digest) - 1].strip("-") or "article"
    return f"{stem}-{digest}"


class RevisionAction(StrEnum):
    """What a saved change did to an article."""

    CREATED = "created"
    EDITED = "edited"
    PUBLISHED = "published"
    RETIRED = "retired"
    DRAFTED = "drafted"

    @classmethod
    def for_status(cls, status: ArticleStatus) -> RevisionAction:
        """The action of a change that moved an article to ``status`` and changed nothing else."""
        return {
            ArticleStatus.PUBLISHED: cls.PUBLISHED,
            ArticleStatus.RETIRED: cls.RETIRED,
            ArticleStatus.DRAFT: cls.DRAFTED,
        }[status]


@dataclass(frozen=True)
class Revision:
    """One saved change: the article as it was afterwards, and who did what, when."""

    seq: int
    article: Article
    action: RevisionAction
    actor: str
    at: datetime
    note: str = ""

    @property
    def article_id(self) -> str:
        return self.article.id

    @property
    def version(self) -> int:
        return self.article.version


@dataclass(frozen=True)
class Draft:
    """Edits to a published article, kept apart until someone publishes them: the live article stays as it is.

    ``article`` holds the edited content (with the live article's status); ``base_version`` is the
    live version it was edited from, so a reviewer can tell when the live article moved on since.
    """

    article: Article
    base_version: int
    actor: str
    at: datetime


class ArticleRepository(Protocol):
    """What the knowledge base needs from wherever articles are kept."""

    def create_schema(self) -> None: ...

    def get(self, article_id: str) -> Article: ...

    def get_many(self, article_ids: Iterable[str]) -> dict[str, Article]: ...

    def list(self, status: ArticleStatus | None = None) -> builtins.list[Article]: ...

    def count(self, status: ArticleStatus | None = None) -> int: ...

    def search(self, text: str, status: ArticleStatus | None = None) -> builtins.list[Article]: ...

    def upsert(self, article: Article, actor: str, note: str = "") -> Change: ...

    def set_status(self, article_id: str, status: ArticleStatus, actor: str) -> Article: ...

    def history(self, article_id: str) -> builtins.list[Revision]: ...

    def last_edits(self) -> dict[str, tuple[str, datetime]]: ...

    def save_draft(self, article: Article, actor: str) -> Draft: ...

    def get_draft(self, article_id: str) -> Draft | None: ...

    def draft_ids(self) -> set[str]: ...

    def drop_draft(self, article_id: str) -> bool: ...

    def publish_draft(self, article_id: str, actor: str) -> Article: ...

    def audit(self, limit: int) -> builtins.list[Revision]: ...

    def changes_since(self, seq: int) -> builtins.list[tuple[int, str]]: ...

    def latest_seq(self) -> int: ...


