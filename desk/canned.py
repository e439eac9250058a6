"""Canned responses as data: the texts agents insert with ``/shortcut``, kept in SQL.

Supervisors (and admins) create, edit and delete them; agents read them and insert one with its
placeholders filled (:func:`fill`). The table is made by the Alembic migrations in
``migrations/`` (revision 0004), like the outcome tables. When the table is empty at start-up the
configured ``tandem.handoff.canned_replies`` are put in as the defaults (:meth:`CannedStore.seed`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import DateTime, Engine, Integer, MetaData, String, Text, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm import Session as SqlSession

from desk.errors import CannedNotFound, DuplicateShortcut, InvalidCanned

MAX_TEXT_CHARS = 2000  # what an agent's reply may hold (Settings.max_message_chars' default)
MAX_SHORTCUT_CHARS = 32
PLACEHOLDERS = ("customer_first_name", "agent_name")
_SHORTCUT = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class DeskBase(DeclarativeBase):
    """Declarative base with the desk's own metadata (table names prefixed ``desk_``)."""

    metadata = MetaData()


class CannedRow(DeskBase):
    """One canned response as stored."""

    __tablename__ = "desk_canned_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shortcut: Mapped[str] = mapped_column(String(MAX_SHORTCUT_CHARS), unique=True)
    text: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class CannedResponse:
    """A canned response as the API shows it."""

    id: int
    shortcut: str
    text: str
    updated_by: str
    updated_at: str

    @classmethod
    def of(cls, row: CannedRow) -> CannedResponse:
        stamp = row.updated_at if row.updated_at.tzinfo else row.updated_at.replace(tzinfo=UTC)
        return cls(row.id, row.shortcut, row.text, row.updated_by, stamp.isoformat())


def check_shortcut(raw: str) -> str:
    """The shortcut as stored (no leading ``/``, lower case); raises InvalidCanned."""
    shortcut = raw.strip().removeprefix("/").lower()
    if not shortcut:
        raise InvalidCanned("the shortcut cannot be empty; e.g. thanks (agents type /thanks)")
    if len(shortcut) > MAX_SHORTCUT_CHARS:
        raise InvalidCanned(f"the shortcut is longer than {MAX_SHORTCUT_CHARS} characters")
    if not _SHORTCUT.match(shortcut):
        raise InvalidCanned(f"the shortcut /{shortcut} may only use letters a-z, digits, '-' and '_', "
                            "starting with a letter or digit")
    return shortcut


def check_text(raw: str) -> str:
    """The text as stored (trimmed); raises InvalidCanned for empty, too long, or an unknown placeholder."""
    text = raw.strip()
    if not text:
        raise InvalidCanned("the text cannot be empty")
    if "\x00" in text:
        raise InvalidCanned("the text contains a NUL character")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidCanned(f"the text is longer than {MAX_TEXT_CHARS} characters (a reply's limit)")
    unknown = [name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]
    if unknown:
        allowed = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        raise InvalidCanned(f"unknown placeholder {{{unknown[0]}}}; the placeholders are {allowed}")
    return text


def fill(text: str, *, agent_name: str, customer_first_name: str | None) -> str:
    """``text`` with its placeholders filled, ready for the reply box.

    Without the customer's name its placeholder is dropped with the space or comma it leaves
    behind: "Hi {customer_first_name}, thanks!" becomes "Hi, thanks!", "Thanks, {customer_first_name}!"
    becomes "Thanks!".
    """
    values = {"agent_name": agent_name.strip(), "customer_first_name": (customer_first_name or "").strip()}
    filled = _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    if values["customer_first_name"]:
        return filled
    tidied = re.sub(r"[ \t]+([,.!?;:])", r"\1", filled)
    tidied = re.sub(r",(?=[.!?])", "", tidied)
    return re.sub(r"[ \t]{2,}", " ", tidied).strip()


def seed_shortcut(text: str, taken: set[str]) -> str:
    """A shortcut for a configured reply that has none: its first words, made unique."""
    words = re.findall(r"[a-z0-9]+", text.lower())[:3]
    base = "-".join(words)[:MAX_SHORTCUT_CHARS - 3] or "reply"
    shortcut, n = base, 2
    while shortcut in taken:
        shortcut, n = f"{base}-{n}", n + 1
    taken.add(shortcut)
    return shortcut


class CannedStore:
    """Create, read, edit and delete canned responses (synchronous: the gateway calls it from threads)."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._engine = engine
        self._clock = clock

    def list(self) -> list[CannedResponse]:
        """Every canned response, by shortcut."""
        with SqlSession(self._engine) as db:
            return [CannedResponse.of(row) for row in db.scalars(select(CannedRow).order_by(CannedRow.shortcut))]

    def by_shortcut(self, shortcut: str) -> CannedResponse:
        """The response a ``/shortcut`` inserts; raises CannedNotFound."""
        key = shortcut.strip().removeprefix("/").lower()
        with SqlSession(self._engine) as db:
            row = db.scalars(select(CannedRow).where(CannedRow.shortcut == key)).one_or_none()
            if row is None:
                raise CannedNotFound(f"/{key}")
            return CannedResponse.of(row)

    def create(self, shortcut: str, text: str, actor: str) -> CannedResponse:
        """A new canned response; raises InvalidCanned or DuplicateShortcut."""
        row = CannedRow(shortcut=check_shortcut(shortcut), text=check_text(text), updated_by=actor,
                        updated_at=self._clock())

        def add(db: SqlSession) -> CannedRow:
            db.add(row)
            return row

        return self._save(row.shortcut, add)

    def update(self, canned_id: int, shortcut: str, text: str, actor: str) -> CannedResponse:
        """Replace a response's shortcut and text; raises CannedNotFound, InvalidCanned or DuplicateShortcut."""
        new_shortcut, new_text = check_shortcut(shortcut), check_text(text)

        def change(db: SqlSession) -> CannedRow:
            row = db.get(CannedRow, canned_id)
            if row is None:
                raise CannedNotFound(str(canned_id))
            row.shortcut, row.text, row.updated_by, row.updated_at = new_shortcut, new_text, actor, self._clock()
            return row

        return self._save(new_shortcut, change)

    def delete(self, canned_id: int) -> None:
        """Remove a response; raises CannedNotFound."""
        with SqlSession(self._engine) as db, db.begin():
            row = db.get(CannedRow, canned_id)
            if row is None:
                raise CannedNotFound(str(canned_id))
            db.delete(row)

    def seed(self, texts: Sequence[str], actor: str = "config") -> int:
        """Put the configured replies in as the defaults when there are none; how many were added."""
        usable = [t.strip() for t in texts if t.strip()]
        with SqlSession(self._engine) as db, db.begin():
            if not usable or db.scalar(select(func.count()).select_from(CannedRow)):
                return 0
            taken: set[str] = set()
            db.add_all(CannedRow(shortcut=seed_shortcut(text, taken), text=check_text(text), updated_by=actor,
                                 updated_at=self._clock()) for text in usable)
        return len(usable)

    def _save(self, shortcut: str, change: Callable[[SqlSession], CannedRow]) -> CannedResponse:
        """Run ``change`` in a transaction; the unique index is the judge of a duplicate shortcut."""
        try:
            with SqlSession(self._engine, expire_on_commit=False) as db, db.begin():
                taken = db.scalars(select(CannedRow.id).where(CannedRow.shortcut == shortcut)).all()
                row = change(db)
                if any(other != row.id for other in taken):
                    raise DuplicateShortcut(shortcut)
                db.flush()
                return CannedResponse.of(row)
        except IntegrityError as exc:  # a concurrent writer took it between the check and the commit
            raise DuplicateShortcut(shortcut) from exc
