"""Articles in SQL (SQLite or PostgreSQL): the current articles and every revision of them.

Two tables on this package's own :data:`metadata` (prefixed ``kb_``), so the knowledge base
can be created, migrated and tested without the rest of Tandem:

- ``kb_articles``: each article as it is now, with its version number;
- ``kb_article_versions``: one row per saved change, written in the same transaction as the
  change. Its ``seq`` increases across all articles, which makes the table the version history,
  the audit trail and the change feed other processes follow (:meth:`ArticleStore.changes_since`);
- ``kb_article_drafts``: at most one pending draft per published article (edits not live yet);
  publishing it is one transaction that writes the article, its revision, and drops the draft.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    Engine,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from knowledge_base.articles import (
    MAX_ID_LENGTH,
    MAX_TITLE_LENGTH,
    Article,
    ArticleStatus,
    Change,
    Draft,
    Revision,
    RevisionAction,
)
from knowledge_base.errors import ArticleNotFound, DraftNotFound

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)
"""The knowledge base's tables, apart from the rest of Tandem's (for create_all and Alembic)."""

MAX_ACTOR_LENGTH = 100
MAX_NOTE_LENGTH = 300


class _UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that comes back timezone-aware in UTC, also from SQLite (which drops zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _json() -> JSON:
    return JSON().with_variant(JSONB(), "postgresql")


def _enum(enum: type[ArticleStatus] | type[RevisionAction], name: str) -> SqlEnum:
    return SqlEnum(enum, name=name, native_enum=False, create_constraint=True, length=16,
                   values_callable=lambda members: [member.value for member in members])


class _Base(DeclarativeBase):
    metadata = metadata


class _Content:
    """The columns an article and each of its revisions share."""

    title: Mapped[str] = mapped_column(String(MAX_TITLE_LENGTH))
    body: Mapped[str] = mapped_column(Text)
    product: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list[str]] = mapped_column(_json())
    questions: Mapped[list[str]] = mapped_column(_json())
    language: Mapped[str] = mapped_column(String(16), default="en")
    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)


class ArticleRecord(_Content, _Base):
    """The ``kb_articles`` row; private to the store, which hands out :class:`Article` values."""

    __tablename__ = "kb_articles"

    id: Mapped[str] = mapped_column(String(MAX_ID_LENGTH), primary_key=True)
    status: Mapped[ArticleStatus] = mapped_column(_enum(ArticleStatus, "status"), index=True)
    created_at: Mapped[datetime] = mapped_column(_UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(_UtcDateTime())


class VersionRecord(_Content, _Base):
    """The ``kb_article_versions`` row: the article after one saved change."""

    __tablename__ = "kb_article_versions"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(String(MAX_ID_LENGTH), index=True)
    status: Mapped[ArticleStatus] = mapped_column(_enum(ArticleStatus, "version_status"))
    action: Mapped[RevisionAction] = mapped_column(_enum(RevisionAction, "action"))
    actor: Mapped[str] = mapped_column(String(MAX_ACTOR_LENGTH))
    note: Mapped[str] = mapped_column(String(MAX_NOTE_LENGTH), default="")
    at: Mapped[datetime] = mapped_column(_UtcDateTime())


class DraftRecord(_Content, _Base):
    """The ``kb_article_drafts`` row: edits to a published article that are not live yet."""

    __tablename__ = "kb_article_drafts"

    article_id: Mapped[str] = mapped_column(String(MAX_ID_LENGTH), primary_key=True)
    actor: Mapped[str] = mapped_column(String(MAX_ACTOR_LENGTH))
    at: Mapped[datetime] = mapped_column(_UtcDateTime())


class ArticleStore:
    """Articles in SQL; each call is its own short transaction."""

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
        return self.search("", status)

    def search(self, text: str, status: ArticleStatus | None = None) -> builtins.list[Article]:
        """Articles containing every word of ``text`` (any case, in any order, each in the id, title, body,
        tags, product or questions), ordered by id: "reset hub" finds "Hub reset"."""
        query = select(ArticleRecord).order_by(ArticleRecord.id)
        if status is not None:
            query = query.where(ArticleRecord.status == status)
        columns = (ArticleRecord.id, ArticleRecord.title, ArticleRecord.body, ArticleRecord.tags,
                   ArticleRecord.product, ArticleRecord.questions)
        for word in text.lower().split():
            pattern = f"%{_escape_like(word)}%"
            query = query.where(or_(*(func.lower(cast(c, String)).like(pattern, escape="\\") for c in columns)))
        with self._sessions() as session:
            return [_to_article(record) for record in session.scalars(query)]

    def last_edits(self) -> dict[str, tuple[str, datetime]]:
        """Who saved each article last, and when: ``{article_id: (actor, at)}``."""
        latest = select(func.max(VersionRecord.seq)).group_by(VersionRecord.article_id)
        query = select(VersionRecord.article_id, VersionRecord.actor, VersionRecord.at).where(
            VersionRecord.seq.in_(latest))
        with self._sessions() as session:
            return {row.article_id: (row.actor, _as_utc(row.at)) for row in session.execute(query)}

    def count(self, status: ArticleStatus | None = None) -> int:
        """How many articles there are, or how many have ``status``."""
        query = select(func.count()).select_from(ArticleRecord)
        if status is not None:
            query = query.where(ArticleRecord.status == status)
        with self._sessions() as session:
            return session.scalar(query) or 0

    def upsert(self, article: Article, actor: str, note: str = "") -> Change:
        """Insert or update by id, recording a revision; an identical article is left alone."""
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            record = session.get(ArticleRecord, article.id, with_for_update=True)
            if record is None:
                record = ArticleRecord(id=article.id, created_at=now, version=0)
                session.add(record)
                action, change = RevisionAction.CREATED, Change.CREATED
            elif record.content_hash == article.content_hash and record.status == article.status:
                return Change.UNCHANGED
            elif record.content_hash == article.content_hash:
                action, change = RevisionAction.for_status(article.status), Change.UPDATED
            else:
                action, change = RevisionAction.EDITED, Change.UPDATED
            _copy_content(article, record)
            record.status = ArticleStatus(article.status)
            _record_revision(session, record, action, actor, note, now)
            return change

    def set_status(self, article_id: str, status: ArticleStatus, actor: str) -> Article:
        """Move an article to ``status`` and return it; raises :class:`ArticleNotFound`."""
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            record = _record_or_raise(session, article_id, for_update=True)
            if record.status != status:
                record.status = ArticleStatus(status)
                _record_revision(session, record, RevisionAction.for_status(record.status), actor, "", now)
            return _to_article(record)

    def history(self, article_id: str) -> builtins.list[Revision]:
        """Every revision of one article, oldest first; raises :class:`ArticleNotFound`."""
        query = select(VersionRecord).where(VersionRecord.article_id == article_id).order_by(VersionRecord.seq)
        with self._sessions() as session:
            revisions = [_to_revision(record) for record in session.scalars(query)]
        if not revisions:
            raise ArticleNotFound(article_id)
        return revisions

    def save_draft(self, article: Article, actor: str) -> Draft:
        """Keep ``article`` as its article's pending draft (replacing any); the live article is untouched."""
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            live = _record_or_raise(session, article.id)
            record = session.get(DraftRecord, article.id) or DraftRecord(article_id=article.id)
            _copy_content(article, record)
            record.version, record.actor, record.at = live.version, actor[:MAX_ACTOR_LENGTH], now
            session.add(record)
            return _to_draft(record, live.status)

    def get_draft(self, article_id: str) -> Draft | None:
        """The pending draft of an article, or None; raises :class:`ArticleNotFound` for an unknown article."""
        with self._sessions() as session:
            live = _record_or_raise(session, article_id)
            record = session.get(DraftRecord, article_id)
            return _to_draft(record, live.status) if record else None

    def draft_ids(self) -> set[str]:
        """The ids of the articles that have a pending draft."""
        with self._sessions() as session:
            return set(session.scalars(select(DraftRecord.article_id)))

    def drop_draft(self, article_id: str) -> bool:
        """Forget an article's pending draft; False when it had none."""
        with self._sessions.begin() as session:
            record = session.get(DraftRecord, article_id)
            if record is not None:
                session.delete(record)
            return record is not None

    def publish_draft(self, article_id: str, actor: str) -> Article:
        """Put the pending draft live (published) in one transaction; raises :class:`DraftNotFound`."""
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            live = _record_or_raise(session, article_id, for_update=True)
            draft = session.get(DraftRecord, article_id)
            if draft is None:
                raise DraftNotFound(article_id)
            changed = live.content_hash != draft.content_hash
            _copy_content(_to_draft(draft, live.status).article, live)
            live.status = ArticleStatus.PUBLISHED
            action = RevisionAction.EDITED if changed else RevisionAction.PUBLISHED
            _record_revision(session, live, action, actor, f"published the draft saved by {draft.actor}", now)
            session.delete(draft)
            return _to_article(live)

    def audit(self, limit: int = 100) -> builtins.list[Revision]:
        """The latest ``limit`` changes to any article, newest first."""
        query = select(VersionRecord).order_by(VersionRecord.seq.desc()).limit(limit)
        with self._sessions() as session:
            return [_to_revision(record) for record in session.scalars(query)]

    def changes_since(self, seq: int) -> builtins.list[tuple[int, str]]:
        """``(seq, article_id)`` of every change after ``seq``, in order."""
        query = select(VersionRecord.seq, VersionRecord.article_id).where(VersionRecord.seq > seq)
        with self._sessions() as session:
            return [(row.seq, row.article_id) for row in session.execute(query.order_by(VersionRecord.seq))]

    def latest_seq(self) -> int:
        """The ``seq`` of the latest change, 0 when nothing was ever saved."""
        with self._sessions() as session:
            return session.scalar(select(func.max(VersionRecord.seq))) or 0


def _record_or_raise(session: Session, article_id: str, for_update: bool = False) -> ArticleRecord:
    record = session.get(ArticleRecord, article_id, with_for_update=for_update)
    if record is None:
        raise ArticleNotFound(article_id)
    return record


def _record_revision(session: Session, record: ArticleRecord, action: RevisionAction, actor: str, note: str,
                     now: datetime) -> None:
    """Bump the article's version and write the revision row, in the caller's transaction."""
    record.version += 1
    record.updated_at = now
    revision = VersionRecord(article_id=record.id, status=record.status, action=action,
                             actor=actor[:MAX_ACTOR_LENGTH], note=note[:MAX_NOTE_LENGTH], at=now)
    _copy_content(_to_article(record), revision)
    revision.version = record.version
    session.add(revision)


def _copy_content(article: Article, record: _Content) -> None:
    record.title = article.title
    record.body = article.body
    record.product = article.product
    record.tags = list(article.tags)
    record.questions = list(article.questions)
    record.language = article.language
    record.content_hash = article.content_hash


def _to_article(record: ArticleRecord | VersionRecord) -> Article:
    if isinstance(record, ArticleRecord):
        article_id, created_at, updated_at = record.id, record.created_at, record.updated_at
    else:
        article_id, created_at, updated_at = record.article_id, None, record.at
    return Article(
        id=article_id,
        title=record.title,
        body=record.body,
        product=record.product,
        tags=tuple(record.tags),
        questions=tuple(record.questions),
        language=record.language,
        status=record.status,
        created_at=created_at,
        updated_at=updated_at,
        version=record.version,
    )


def _to_draft(record: DraftRecord, status: ArticleStatus) -> Draft:
    article = Article(id=record.article_id, title=record.title, body=record.body, product=record.product,
                      tags=tuple(record.tags), questions=tuple(record.questions), language=record.language,
                      status=status, updated_at=record.at, version=record.version)
    return Draft(article=article, base_version=record.version, actor=record.actor, at=record.at)


def _to_revision(record: VersionRecord) -> Revision:
    return Revision(seq=record.seq, article=_to_article(record), action=record.action, actor=record.actor,
                    at=record.at, note=record.note)


def _as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
