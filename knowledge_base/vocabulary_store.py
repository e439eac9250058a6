"""The customers' vocabulary in SQL, beside the articles.

Two tables on the knowledge base's own metadata, so :meth:`VocabularyStore.create_schema`
(called on every start, like the articles') creates them in an existing database:

- ``kb_vocabulary``: one row per term, as it is now;
- ``kb_vocabulary_changes``: one row per save or delete (who, when, which term), written in the
  same transaction. Its increasing ``seq`` is the audit trail and :meth:`VocabularyStore.fingerprint`,
  which is how every gateway process notices a change (``KnowledgeBase.apply_changes``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import Engine, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from knowledge_base.errors import TermNotFound
from knowledge_base.store import MAX_ACTOR_LENGTH, _Base, _json, _UtcDateTime, metadata
from knowledge_base.vocabulary import MAX_TERM_LENGTH, Term, TermKind, Vocabulary, phrase_key

Fingerprint = int


class TermRecord(_Base):
    """The ``kb_vocabulary`` row; private to the store, which hands out :class:`Term` values."""

    __tablename__ = "kb_vocabulary"

    name: Mapped[str] = mapped_column(String(MAX_TERM_LENGTH), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    synonyms: Mapped[list[str]] = mapped_column(_json())
    actor: Mapped[str] = mapped_column(String(MAX_ACTOR_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(_UtcDateTime())


class ChangeRecord(_Base):
    """The ``kb_vocabulary_changes`` row: one saved change to the vocabulary."""

    __tablename__ = "kb_vocabulary_changes"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action: Mapped[str] = mapped_column(String(16))
    term: Mapped[str] = mapped_column(String(MAX_TERM_LENGTH))
    actor: Mapped[str] = mapped_column(String(MAX_ACTOR_LENGTH))
    at: Mapped[datetime] = mapped_column(_UtcDateTime())


class VocabularyRepository(Protocol):
    """What the knowledge base needs from wherever the vocabulary is kept."""

    def create_schema(self) -> None: ...

    def load(self) -> Vocabulary: ...

    def replace(self, vocabulary: Vocabulary, actor: str) -> Vocabulary: ...

    def put(self, term: Term, actor: str) -> Vocabulary: ...

    def delete(self, name: str, actor: str) -> Vocabulary: ...

    def fingerprint(self) -> Fingerprint: ...


class VocabularyStore:
    """The vocabulary in SQL; every write checks the whole vocabulary stays consistent."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def create_schema(self) -> None:
        tables = [TermRecord.__table__, ChangeRecord.__table__]
        metadata.create_all(self._engine, tables=tables)  # type: ignore[arg-type]

    def load(self) -> Vocabulary:
        with self._sessions() as session:
            return Vocabulary(_to_term(record) for record in session.scalars(select(TermRecord)))

    def replace(self, vocabulary: Vocabulary, actor: str) -> Vocabulary:
        """Make ``vocabulary`` the whole vocabulary (an import), in one transaction."""
        now = datetime.now(UTC)
        with self._sessions.begin() as session:
            session.execute(delete(TermRecord))
            session.add_all(_to_record(term, actor, now) for term in vocabulary.terms)
            session.add(_change("replaced", f"{len(vocabulary)} terms", actor, now))
        return vocabulary

    def put(self, term: Term, actor: str) -> Vocabulary:
        """Add or replace one term (by name, any case); raises InvalidVocabulary on a conflict."""
        with self._sessions.begin() as session:
            records = list(session.scalars(select(TermRecord).with_for_update()))
            same = [r for r in records if phrase_key(r.name) == phrase_key(term.name)]
            others = [_to_term(r) for r in records if r not in same]
            vocabulary = Vocabulary([*others, term])  # raises before anything is written
            for record in same:
                session.delete(record)
            session.flush()
            now = datetime.now(UTC)
            session.add_all([_to_record(term, actor, now), _change("saved", term.name, actor, now)])
        return vocabulary

    def delete(self, name: str, actor: str) -> Vocabulary:
        """Remove one term (by name, any case); raises :class:`TermNotFound`."""
        with self._sessions.begin() as session:
            records = list(session.scalars(select(TermRecord).with_for_update()))
            same = [r for r in records if phrase_key(r.name) == phrase_key(name)]
            if not same:
                raise TermNotFound(name)
            for record in same:
                session.delete(record)
            session.add(_change("deleted", same[0].name, actor, datetime.now(UTC)))
            return Vocabulary(_to_term(r) for r in records if r not in same)

    def fingerprint(self) -> Fingerprint:
        """The ``seq`` of the latest change (0 before any): it grows with every save or delete."""
        with self._sessions() as session:
            return session.scalar(select(func.max(ChangeRecord.seq))) or 0


def _to_term(record: TermRecord) -> Term:
    return Term(name=record.name, synonyms=tuple(record.synonyms), kind=TermKind(record.kind))


def _change(action: str, term: str, actor: str, now: datetime) -> ChangeRecord:
    return ChangeRecord(action=action, term=term[:MAX_TERM_LENGTH], actor=actor[:MAX_ACTOR_LENGTH], at=now)


def _to_record(term: Term, actor: str, now: datetime) -> TermRecord:
    return TermRecord(name=term.name, kind=term.kind.value, synonyms=list(term.synonyms),
                      actor=actor[:MAX_ACTOR_LENGTH], updated_at=now)
