"""The review queue: messages the live bot was unsure about or that ended with a person.

An admin labels each one with an intent (it then becomes a training example in the reviewed
examples file, ``training_data/nlu_reviewed.yml``, which the next ``train`` uses), marks it as a
knowledge-base gap (the intent was right, the answer was missing), or dismisses it. Text is
redacted before it is stored, like every customer text Tandem keeps.

The table is created with ``create_all`` like the staff accounts' (``bot/accounts.py``), not by an
Alembic revision: the outcomes migrations' schema test compares the whole database with the
outcome models, so a table of another package there would fail it.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from filelock import FileLock
from sqlalchemy import (
    JSON,
    CursorResult,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Text,
    delete,
    func,
    inspect,
    select,
)
from sqlalchemy import (
    text as sql_text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm import Session as SqlSession

from retraining.errors import ExampleConflict, UnknownIntent, UnknownReviewItem
from retraining.nlu_yaml import as_example, domain_intents, examples_by_text, normalise, remove_example, set_example

Redact = Callable[[str], str]
MAX_TEXT = 2000


class ReviewStatus(StrEnum):
    """Where an item is in the review."""

    PENDING = "pending"
    LABELLED = "labelled"  # became a training example of ``label``
    KB_GAP = "kb_gap"  # understood, but the knowledge base had no answer: for the content team
    DISMISSED = "dismissed"


class ReviewBase(DeclarativeBase):
    """Declarative base with the review queue's own metadata."""

    metadata = MetaData()


class ReviewItem(ReviewBase):
    """One customer message to review (stored redacted)."""

    __tablename__ = "nlu_review_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_key: Mapped[str] = mapped_column(String(200), unique=True)  # session + Rasa's message id
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    predicted_intent: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(48))  # nlu_fallback, low_confidence, kb_no_answer, escalation:<why>
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True, default=ReviewStatus.PENDING.value)
    label: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Why the bot did what it did (routing.Route.why: rule, intents, entities, candidates).
    why: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)

    def as_dict(self) -> dict[str, object]:
        """The item as the API and CLI show it."""
        return {"id": self.id, "session_id": self.session_id, "text": self.text,
                "predicted_intent": self.predicted_intent, "confidence": round(self.confidence, 4),
                "reason": self.reason, "created_at": _iso(self.created_at), "status": self.status,
                "label": self.label, "reviewed_by": self.reviewed_by, "reviewed_at": _iso(self.reviewed_at),
                "why": self.why}


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


@dataclass(frozen=True)
class Observation:
    """A message worth reviewing, as the bot saw it (text not yet redacted)."""

    session_id: str
    message_key: str
    text: str
    intent: str
    confidence: float
    reason: str
    why: dict[str, Any] | None = None


@dataclass(frozen=True)
class ReviewFiles:
    """Where labels go, and what they are checked against."""

    reviewed_file: Path  # the NLU file labelled examples are written to
    domain: Path  # labels must be its intents
    other_nlu_files: tuple[Path, ...]  # an example there under another intent is a conflict


class ReviewQueue:
    """Stores observations and the admins' decisions on them."""

    def __init__(self, engine: Engine, redact: Redact | None, files: ReviewFiles,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._engine = engine
        self._redact = redact
        self.files = files
        self._clock = clock
        digest = hashlib.sha256(str(files.reviewed_file.resolve()).encode()).hexdigest()[:16]
        # The lock lives outside the repository so it never shows up in `git status`.
        self._file_lock = FileLock(Path(tempfile.gettempdir()) / f"tandem-reviewed-{digest}.lock", timeout=30)

    def create_schema(self) -> None:
        """Create the table if it is missing, and add the ``why`` column to a table made before it."""
        ReviewBase.metadata.create_all(self._engine)
        if "why" not in {column["name"] for column in inspect(self._engine).get_columns(ReviewItem.__tablename__)}:
            with self._engine.begin() as connection:
                connection.execute(sql_text(f"ALTER TABLE {ReviewItem.__tablename__} ADD COLUMN why JSON"))

    def add(self, observation: Observation) -> None:
        """Queue a message (redacted first); the same message seen again only updates its reason."""
        assert self._redact is not None, "a queue that records messages needs the redactor"
        text = self._redact(observation.text)[:MAX_TEXT]
        with SqlSession(self._engine) as db, db.begin():
            existing = db.scalars(select(ReviewItem).where(ReviewItem.message_key == observation.message_key)).first()
            if existing is not None:
                existing.reason = observation.reason
                existing.why = observation.why or existing.why
                return
            db.add(ReviewItem(message_key=observation.message_key, session_id=observation.session_id, text=text,
                              predicted_intent=observation.intent, confidence=observation.confidence,
                              reason=observation.reason, why=observation.why, created_at=self._clock(),
                              status=ReviewStatus.PENDING.value))

    def items(self, status: ReviewStatus | None = ReviewStatus.PENDING, limit: int = 100,
              offset: int = 0) -> list[ReviewItem]:
        """Items with ``status`` (None: all), newest first."""
        query = select(ReviewItem).order_by(ReviewItem.created_at.desc(), ReviewItem.id.desc())
        if status is not None:
            query = query.where(ReviewItem.status == status.value)
        with SqlSession(self._engine) as db:
            return list(db.scalars(query.limit(limit).offset(offset)))

    def counts(self) -> dict[str, int]:
        """How many items are in each status."""
        query = select(ReviewItem.status, func.count()).group_by(ReviewItem.status)
        with SqlSession(self._engine) as db:
            found = {str(status): int(count) for status, count in db.execute(query)}
        return {status.value: found.get(status.value, 0) for status in ReviewStatus}

    def get(self, item_id: int) -> ReviewItem:
        """One item."""
        with SqlSession(self._engine) as db:
            item = db.get(ReviewItem, item_id)
        if item is None:
            raise UnknownReviewItem(item_id)
        return item

    def intents(self) -> list[str]:
        """The labels an admin may choose from: domain.yml's intents."""
        return domain_intents(self.files.domain)

    def label(self, item_id: int, intent: str, by: str) -> ReviewItem:
        """Label an item with an intent of domain.yml and write it to the reviewed examples file."""
        known = self.intents()
        if intent not in known:
            raise UnknownIntent(intent, known)
        item = self.get(item_id)
        existing = examples_by_text(self.files.other_nlu_files).get(normalise(as_example(item.text)))
        if existing is not None and existing[0] != intent:
            raise ExampleConflict(item.text, existing[0], existing[1].name)
        with self._file_lock:
            if existing is None:
                set_example(self.files.reviewed_file, item.text, intent)
            else:  # already a training example of this intent elsewhere: no second copy
                remove_example(self.files.reviewed_file, item.text)
            return self._decide(item_id, ReviewStatus.LABELLED, by, intent)

    def mark_kb_gap(self, item_id: int, by: str) -> ReviewItem:
        """The bot understood, but the knowledge base lacked the answer (no training example)."""
        return self._set_aside(item_id, ReviewStatus.KB_GAP, by)

    def dismiss(self, item_id: int, by: str) -> ReviewItem:
        """Nothing to learn from this message."""
        return self._set_aside(item_id, ReviewStatus.DISMISSED, by)

    def _set_aside(self, item_id: int, status: ReviewStatus, by: str) -> ReviewItem:
        item = self.get(item_id)
        with self._file_lock:
            if item.status == ReviewStatus.LABELLED.value:
                remove_example(self.files.reviewed_file, item.text)
            return self._decide(item_id, status, by, None)

    def _decide(self, item_id: int, status: ReviewStatus, by: str, label: str | None) -> ReviewItem:
        with SqlSession(self._engine, expire_on_commit=False) as db, db.begin():
            item = db.get(ReviewItem, item_id)
            if item is None:
                raise UnknownReviewItem(item_id)
            item.status, item.label, item.reviewed_by, item.reviewed_at = status.value, label, by, self._clock()
        return item

    def count_for_session(self, session_id: str) -> int:
        """How many of one conversation's messages the queue holds (for an access request)."""
        with SqlSession(self._engine) as db:
            query = select(func.count()).select_from(ReviewItem).where(ReviewItem.session_id == session_id)
            return int(db.scalar(query) or 0)

    def forget_session(self, session_id: str) -> int:
        """Erase one conversation's items (the customer asked to be forgotten); how many went."""
        with SqlSession(self._engine) as db, db.begin():
            result = cast(CursorResult[Any], db.execute(delete(ReviewItem).where(ReviewItem.session_id == session_id)))
            return int(result.rowcount)

    def purge_before(self, moment: datetime) -> int:
        """Delete items queued before ``moment`` that nobody labelled (retention); how many went."""
        with SqlSession(self._engine) as db, db.begin():
            query = delete(ReviewItem).where(ReviewItem.created_at < moment,
                                             ReviewItem.status != ReviewStatus.LABELLED.value)
            result = cast(CursorResult[Any], db.execute(query))
            return int(result.rowcount)

