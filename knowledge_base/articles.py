"""Articles: the value object, its SQL table, and the store that keeps them.

An :class:`Article` is immutable and validates itself, so every article that exists in
memory is one the store may save. Its ``content_hash`` covers what retrieval and answers
depend on (not the status or timestamps), which is what makes re-importing a folder
idempotent and lets the vector index tell which articles need embedding again.

The SQL table lives on this package's own :data:`metadata` (tables prefixed ``kb_``), so the
knowledge base can be created, migrated and tested without the rest of Tandem. The same
:class:`ArticleStore` runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum, StrEnum
from functools import cached_property
from typing import Protocol

from sqlalchemy import JSON, DateTime, Dialect, Engine, MetaData, String, Text, TypeDecorator, func, select
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from knowledge_base.errors import ArticleNotFound, InvalidArticle

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


class ArticleRepository(Protocol):
    """What the knowledge base needs from wherever articles are kept."""

    def create_schema(self) -> None: ...

    def get(self, article_id: str) -> Article: ...

    def get_many(self, article_ids: Iterable[str]) -> dict[str, Article]: ...

    def list(self, status: ArticleStatus | None = None) -> builtins.list[Article]: ...

    def count(self, status: ArticleStatus | None = None) -> int: ...

    def upsert(self, article: Article) -> Change: ...

    def set_status(self, article_id: str, status: ArticleStatus) -> Article: ...


# --- SQL ---------------------------------------------------------------------------------

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)
"""The knowledge base's tables, apart from the rest of Tandem's (for create_all and Alembic)."""


class _UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that comes back timezone-aware in UTC, also from SQLite (which drops zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class _Base(DeclarativeBase):
    metadata = metadata


class ArticleRecord(_Base):
    """The ``kb_articles`` row; private to the store, which hands out :class:`Article` values."""

    __tablename__ = "kb_articles"

    id: Mapped[str] = mapped_column(String(MAX_ID_LENGTH), primary_key=True)
    title: Mapped[str] = mapped_column(String(MAX_TITLE_LENGTH))
    body: Mapped[str] = mapped_column(Text)
    product: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list[str]] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    questions: Mapped[list[str]] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    language: Mapped[str] = mapped_column(String(16), default="en")
    status: Mapped[ArticleStatus] = mapped_column(
        SqlEnum(
            ArticleStatus,
            name="status",
            native_enum=False,
            create_constraint=True,
            length=16,
            values_callable=lambda statuses: [status.value for status in statuses],
        ),
        index=True,
    )
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(_UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(_UtcDateTime())


class ArticleStore:
    """Articles in SQL (SQLite or PostgreSQL); each call is its own short transaction."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._engine = engine

    def create_schema(self) -> None:
        """Create the ``kb_`` tables that do not exist yet (safe to call on every start)."""
        metadata.create_all(self._engine)

    def get(self, article_id: str) -> Article:
        """The article with this id, whatever its status; raises :class:`ArticleNotFound`."""
        with self._sessions() as session:
            return _to_article(_record_or_raise(session, article_id))

    def get_many(self, article_ids: Iterable[str]) -> dict[str, Article]:
        """The articles among ``article_ids`` that exist, by id (unknown ids are left out)."""
        query = select(ArticleRecord).where(ArticleRecord.id.in_(set(article_ids)))
        with self._sessions() as session:
            return {record.id: _to_article(record) for record in session.scalars(query)}

    def list(self, status: ArticleStatus | None = None) -> builtins.list[Article]:
        """All articles, or those with ``status``, ordered by id."""
        query = select(ArticleRecord).order_by(ArticleRecord.id)
        if status is not None:
            query = query.where(ArticleRecord.status == status)
        with self._sessions() as session:
            return [_to_article(record) for record in session.scalars(query)]

    def count(self, status: ArticleStatus | None = None) -> int:
        """How many articles there are, or how many have ``status``."""
        query = select(func.count()).select_from(ArticleRecord)
        if status is not None:
            query = query.where(ArticleRecord.status == status)
        with self._sessions() as session:
            return session.scalar(query) or 0

    def upsert(self, article: Article) -> Change:
        """Insert or update by id; an identical article (same hash and status) is left alone."""
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            record = session.get(ArticleRecord, article.id)
            if record is None:
                session.add(_new_record(article, now))
                return Change.CREATED
            if record.content_hash == article.content_hash and record.status == article.status:
                return Change.UNCHANGED
            _copy_content(article, record)
            record.updated_at = now
            return Change.UPDATED

    def set_status(self, article_id: str, status: ArticleStatus) -> Article:
        """Move an article to ``status`` and return it; raises :class:`ArticleNotFound`."""
        with self._sessions.begin() as session:
            record = _record_or_raise(session, article_id)
            if record.status != status:
                record.status = ArticleStatus(status)
                record.updated_at = datetime.now(UTC)
            return _to_article(record)


def _record_or_raise(session: Session, article_id: str) -> ArticleRecord:
    record = session.get(ArticleRecord, article_id)
    if record is None:
        raise ArticleNotFound(article_id)
    return record


def _new_record(article: Article, now: datetime) -> ArticleRecord:
    record = ArticleRecord(id=article.id, created_at=now, updated_at=now)
    _copy_content(article, record)
    return record


def _copy_content(article: Article, record: ArticleRecord) -> None:
    record.title = article.title
    record.body = article.body
    record.product = article.product
    record.tags = list(article.tags)
    record.questions = list(article.questions)
    record.language = article.language
    record.status = article.status
    record.content_hash = article.content_hash


def _to_article(record: ArticleRecord) -> Article:
    return Article(
        id=record.id,
        title=record.title,
        body=record.body,
        product=record.product,
        tags=tuple(record.tags),
        questions=tuple(record.questions),
        language=record.language,
        status=record.status,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )
