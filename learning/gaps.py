"""Knowledge gaps with a state: questions the bot did not answer, from every signal, grouped by meaning.

A signal (learning/models.py, ``GapSignal``) is one customer's question that the knowledge base
failed: handed over, a "Did you mean…?" left unanswered, a low rating with a comment, an admin's
"KB gap" mark, a question about a retired article, a handover the agent said was ours. It joins
the nearest gap (any state) by the knowledge-gap view's rule (learning/grouping.py), or opens one.

States: **open**; **answered** by an article (set when a proposal about it is published, or when
the article drafted from the gap is published); **dismissed** (nothing to write). A dismissed gap
keeps counting but stays dismissed; an answered gap that is asked again *and fails again* after
it was answered is reopened, since the article did not reach those customers.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session as SqlSession

from learning import audit
from learning.errors import GapNotFound
from learning.grouping import THRESHOLD, added, nearest, similarity
from learning.kept import contributed
from learning.models import GapRow, GapSignal, GapState

EXAMPLES = 8


@dataclass(frozen=True)
class Signal:
    """One failed question (redacted) and where it came from."""

    kind: GapSignal
    question: str
    session_id: str
    vector: np.ndarray
    retired_article_id: str | None = None


@dataclass(frozen=True)
class Gap:
    """A gap as the API shows it."""

    id: int
    state: str
    label: str
    examples: list[str]
    signals: dict[str, int]
    customers: int
    article_id: str | None
    retired_article_id: str | None
    first_seen: str
    last_seen: str
    state_at: str
    state_by: str | None
    note: str | None

    @classmethod
    def of(cls, row: GapRow) -> Gap:
        return cls(row.id, row.state, row.label, list(row.examples), dict(row.signals), row.customers,
                   row.article_id, row.retired_article_id, audit.as_utc(row.first_seen).isoformat(),
                   audit.as_utc(row.last_seen).isoformat(), audit.as_utc(row.state_at).isoformat(),
                   row.state_by, row.note)


class GapBook:
    """Stores gaps, files signals into them, and keeps their states."""

    def __init__(self, engine: Engine, threshold: float = THRESHOLD,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._engine = engine
        self._threshold = threshold
        self._clock = clock

    def add(self, signal: Signal) -> Gap:
        """File a signal into the nearest gap (reopening an answered one), or open a new gap."""
        now = self._clock()
        with SqlSession(self._engine, expire_on_commit=False) as db, db.begin():
            rows = list(db.scalars(select(GapRow).with_for_update()))
            best = nearest(signal.vector, [r.centre for r in rows], self._threshold)
            row = rows[best] if best is not None else None
            if row is None:
                row = GapRow(state=GapState.OPEN.value, label=signal.question, examples=[], signals={}, customers=0,
                             sessions=[], centre=None, first_seen=now, last_seen=now, state_at=now)
                db.add(row)
                db.flush()
                audit.record(db, now, audit.SYSTEM, "gap", row.id, "opened", signal=signal.kind.value)
            elif row.state == GapState.ANSWERED.value:
                row.state, row.state_at, row.state_by = GapState.OPEN.value, now, audit.SYSTEM
                row.note = f"asked again, and not answered, after {row.article_id} answered it"
                audit.record(db, now, audit.SYSTEM, "gap", row.id, "reopened", signal=signal.kind.value,
                             article_id=row.article_id)
                row.article_id = None  # not answered by it after all (the note and the audit keep which)
            _count(row, signal, now)
        return Gap.of(row)

    def list(self, state: GapState | None = GapState.OPEN, limit: int = 200) -> builtins.list[Gap]:
        """Gaps with ``state`` (None: all), those most customers hit first."""
        query = select(GapRow).order_by(GapRow.customers.desc(), GapRow.last_seen.desc(), GapRow.id).limit(limit)
        if state is not None:
            query = query.where(GapRow.state == state.value)
        with SqlSession(self._engine) as db:
            return [Gap.of(row) for row in db.scalars(query)]

    def get(self, gap_id: int) -> Gap:
        with SqlSession(self._engine) as db:
            row = db.get(GapRow, gap_id)
            if row is None:
                raise GapNotFound(gap_id)
            return Gap.of(row)

    def set_state(self, gap_id: int, state: GapState, by: str, article_id: str | None = None,
                  note: str | None = None) -> Gap:
        """Dismiss, reopen, or mark answered by ``article_id``; audited."""
        now = self._clock()
        with SqlSession(self._engine, expire_on_commit=False) as db, db.begin():
            row = db.get(GapRow, gap_id, with_for_update=True)
            if row is None:
                raise GapNotFound(gap_id)
            before = row.state
            row.state, row.state_at, row.state_by, row.note = state.value, now, by, note
            row.article_id = article_id if state is GapState.ANSWERED else row.article_id
            audit.record(db, now, by, "gap", row.id, state.value, before=before, article_id=row.article_id,
                         note=note)
        return Gap.of(row)

    def link_article(self, gap_id: int, article_id: str, by: str) -> Gap:
        """The article drafted for this gap: publishing it answers the gap (:meth:`settle_linked`)."""
        now = self._clock()
        with SqlSession(self._engine, expire_on_commit=False) as db, db.begin():
            row = db.get(GapRow, gap_id, with_for_update=True)
            if row is None:
                raise GapNotFound(gap_id)
            row.article_id = article_id
            audit.record(db, now, by, "gap", row.id, "drafted", article_id=article_id)
        return Gap.of(row)

    def answered_by(self, article_id: str, totals: Sequence[Sequence[float] | None], by: str) -> builtins.list[int]:
        """Mark every open gap near one of ``totals`` (a proposal's questions) answered by the article."""
        vectors = [t for t in totals if t]
        now = self._clock()
        answered = []
        with SqlSession(self._engine) as db, db.begin():
            for row in db.scalars(select(GapRow).where(GapRow.state == GapState.OPEN.value).with_for_update()):
                centre = np.asarray(row.centre or [], dtype=np.float32)
                norm = float(np.linalg.norm(centre)) if centre.size else 0.0
                if norm and any(similarity(centre / norm, t) >= self._threshold for t in vectors):
                    row.state, row.state_at, row.state_by, row.article_id = GapState.ANSWERED.value, now, by, article_id
                    audit.record(db, now, by, "gap", row.id, "answered", article_id=article_id)
                    answered.append(row.id)
        return answered

    def settle_linked(self, published: Callable[[str], bool]) -> builtins.list[int]:
        """Open gaps whose drafted article is now published become answered by it (checked when listed)."""
        now = self._clock()
        settled = []
        with SqlSession(self._engine) as db, db.begin():
            query = select(GapRow).where(GapRow.state == GapState.OPEN.value, GapRow.article_id.is_not(None))
            for row in db.scalars(query):
                if row.article_id and published(row.article_id):
                    row.state, row.state_at, row.state_by = GapState.ANSWERED.value, now, audit.SYSTEM
                    audit.record(db, now, audit.SYSTEM, "gap", row.id, "answered", article_id=row.article_id,
                                 note="the article drafted from it was published")
                    settled.append(row.id)
        return settled


def _count(row: GapRow, signal: Signal, now: datetime) -> None:
    """One more signal: each conversation counts once as a customer, each kind once per conversation."""
    repeat = signal.session_id in row.sessions
    if not repeat:
        row.sessions = [*row.sessions, signal.session_id]
        row.customers += 1
        row.centre = added(row.centre, signal.vector)
    row.sources = contributed(row.sources, signal.session_id, [signal.question], now)
    kind = signal.kind.value
    if not (repeat and kind in row.signals):
        row.signals = {**row.signals, kind: row.signals.get(kind, 0) + 1}
    if signal.question not in row.examples and len(row.examples) < EXAMPLES:
        row.examples = [*row.examples, signal.question]
    if signal.retired_article_id:
        row.retired_article_id = signal.retired_article_id
    row.last_seen = now
