"""Proposals for the content team, made from conversations an agent resolved (the rules: learning/service.py).

A proposal collects every question of one need: all the questions answered with the same
article (a *phrasing* proposal: add them to it), or similar questions no article answered (a
*new article* proposal, grouped as the knowledge-gap view groups them, learning/grouping.py),
with the agents' answers. Each conversation counts once; ``customers`` grows as more ask. Only
open proposals grow: a decided one stays as it was decided, and the next question starts anew.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session as SqlSession

from learning import audit
from learning.errors import AlreadyDecided, ProposalNotFound
from learning.grouping import THRESHOLD, added, nearest
from learning.kept import contributed
from learning.models import ProposalKind, ProposalRow, ProposalState

MAX_QUESTIONS = 50  # distinct questions kept per proposal (the count goes on)
MAX_ANSWERS = 10


@dataclass(frozen=True)
class Resolution:
    """What one resolved conversation teaches: its question(s), the agent's replies, the article used.

    Every text is redacted already (learning/service.py does it)."""

    session_id: str
    questions: tuple[str, ...]
    answers: tuple[str, ...]
    article_id: str | None  # the article the agent's answer used (inserted or linked), if any
    vector: np.ndarray  # the first question's unit vector


@dataclass(frozen=True)
class Proposal:
    """A proposal as the API shows it."""

    id: int
    kind: str
    state: str
    article_id: str | None
    questions: list[str]
    answers: list[str]
    customers: int
    created_at: str
    updated_at: str
    decided_by: str | None
    decided_at: str | None
    note: str | None

    @classmethod
    def of(cls, row: ProposalRow) -> Proposal:
        return cls(row.id, row.kind, row.state, row.article_id, list(row.questions), list(row.answers),
                   row.customers, audit.as_utc(row.created_at).isoformat(), audit.as_utc(row.updated_at).isoformat(),
                   row.decided_by, audit.as_utc(row.decided_at).isoformat() if row.decided_at else None, row.note)


class ProposalBook:
    """Stores proposals, grows them from resolutions, and records the content team's decisions."""

    def __init__(self, engine: Engine, threshold: float = THRESHOLD,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._engine = engine
        self._threshold = threshold
        self._clock = clock

    def add(self, resolution: Resolution) -> Proposal | None:
        """File one resolution into its open proposal (or a new one); None if this conversation was filed before."""
        now = self._clock()
        with SqlSession(self._engine, expire_on_commit=False) as db, db.begin():
            row = self._open_match(db, resolution)
            if row is not None and resolution.session_id in row.sessions:
                return None
            if row is None:
                row = ProposalRow(
                    kind=(ProposalKind.PHRASING if resolution.article_id else ProposalKind.NEW_ARTICLE).value,
                    state=ProposalState.OPEN.value, article_id=resolution.article_id, questions=[], answers=[],
                    customers=0, sessions=[], centre=None, created_at=now, updated_at=now)
                db.add(row)
                db.flush()
                audit.record(db, now, audit.SYSTEM, "proposal", row.id, "proposed", kind=row.kind,
                             article_id=row.article_id)
            new_questions = [q for q in resolution.questions if q not in row.questions]
            row.questions = [*row.questions, *new_questions][:MAX_QUESTIONS]
            row.answers = [*row.answers, *(a for a in resolution.answers if a not in row.answers)][:MAX_ANSWERS]
            row.sessions = [*row.sessions, resolution.session_id]
            row.sources = contributed(row.sources, resolution.session_id, [*resolution.questions, *resolution.answers],
                                      now)
            row.customers += 1
            row.centre = added(row.centre, resolution.vector)
            row.updated_at = now
            audit.record(db, now, audit.SYSTEM, "proposal", row.id, "asked_again" if row.customers > 1 else "asked",
                         questions=new_questions, customers=row.customers)
        return Proposal.of(row)

    def _open_match(self, db: SqlSession, resolution: Resolution) -> ProposalRow | None:
        """The open proposal of the same need: the same article's, or the nearest new-article one."""
        open_rows = select(ProposalRow).where(ProposalRow.state == ProposalState.OPEN.value)
        if resolution.article_id:
            return db.scalars(open_rows.where(ProposalRow.kind == ProposalKind.PHRASING.value,
                                              ProposalRow.article_id == resolution.article_id)
                              .with_for_update()).first()
        rows = list(db.scalars(open_rows.where(ProposalRow.kind == ProposalKind.NEW_ARTICLE.value)
                               .with_for_update()))
        best = nearest(resolution.vector, [r.centre for r in rows], self._threshold)
        return rows[best] if best is not None else None

    def list(self, state: ProposalState | None = ProposalState.OPEN, limit: int = 200) -> builtins.list[Proposal]:
        """Proposals with ``state`` (None: all), those most customers asked first."""
        query = select(ProposalRow).order_by(ProposalRow.customers.desc(), ProposalRow.updated_at.desc(),
                                             ProposalRow.id).limit(limit)
        if state is not None:
            query = query.where(ProposalRow.state == state.value)
        with SqlSession(self._engine) as db:
            return [Proposal.of(row) for row in db.scalars(query)]

    def get(self, proposal_id: int) -> Proposal:
        with SqlSession(self._engine) as db:
            row = db.get(ProposalRow, proposal_id)
            if row is None:
                raise ProposalNotFound(proposal_id)
            return Proposal.of(row)

    def centre(self, proposal_id: int) -> builtins.list[float] | None:
        """The proposal's vector sum (to find the gaps it answers)."""
        with SqlSession(self._engine) as db:
            row = db.get(ProposalRow, proposal_id)
            if row is None:
                raise ProposalNotFound(proposal_id)
            return list(row.centre) if row.centre else None

    def decide(self, proposal_id: int, state: ProposalState, by: str, article_id: str | None = None,
               note: str | None = None, **details: Any) -> Proposal:
        """Close an open proposal as accepted, merged or rejected (once: AlreadyDecided after)."""
        now = self._clock()
        with SqlSession(self._engine, expire_on_commit=False) as db, db.begin():
            row = db.get(ProposalRow, proposal_id, with_for_update=True)
            if row is None:
                raise ProposalNotFound(proposal_id)
            if row.state != ProposalState.OPEN.value:
                raise AlreadyDecided(proposal_id, row.state, row.decided_by)
            row.state, row.decided_by, row.decided_at, row.note = state.value, by, now, note
            row.article_id = article_id or row.article_id
            audit.record(db, now, by, "proposal", row.id, state.value, article_id=row.article_id, note=note,
                         **details)
        return Proposal.of(row)



def distinct(texts: Sequence[str]) -> builtins.list[str]:
    """Texts without repeats (case and spacing aside), first seen first."""
    seen: set[str] = set()
    kept = []
    for text in texts:
        key = " ".join(text.casefold().split())
        if key and key not in seen:
            seen.add(key)
            kept.append(text.strip())
    return kept
