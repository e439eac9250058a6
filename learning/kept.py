"""What the learning loop keeps about one conversation, and forgetting it: on an erasure request, or once it is
older than the retention period (``privacy.retention_days``; docs/privacy.md).

Proposals and gaps hold customers' questions and agents' answers (redacted). Each row's ``sources`` records,
per conversation, when it came and which of the row's texts it brought. Forgetting a conversation takes those
texts out of the row (unless a conversation still kept brought the same words) and out of the row's audit
steps, and the row names the conversation no more. The counts stay, as the outcome records' figures do: they
describe no person. A row written before sources were recorded (revision 0007) cannot tell whose text is
whose, so forgetting any of its conversations takes all its texts. An open proposal or gap left without a
question is closed by the system (rejected, dismissed) with a note saying why: nobody could act on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, String, cast, select
from sqlalchemy.orm import Session as SqlSession

from learning import audit
from learning.models import AuditRow, GapRow, GapState, ProposalRow, ProposalState

ERASED_LABEL = "(question erased)"
CLOSED_NOTE = "closed by the system: every question it held was erased (an erasure request or the retention period)"
#: A conversation's id and when it came (None: unknown) -> forget it?
Forgets = Callable[[str, datetime | None], bool]
#: The vector sum of the texts left (a row's ``centre``), so grouping no longer leans on forgotten questions.
Recentre = Callable[[Sequence[str]], list[float]]
Row = ProposalRow | GapRow
TABLES: tuple[type[Row], ...] = (ProposalRow, GapRow)


def contributed(sources: dict[str, Any] | None, session_id: str, texts: Iterable[str], at: datetime) -> dict[str, Any]:
    """``sources`` with ``texts`` brought by ``session_id`` (first seen ``at``); a new dict, since SQLAlchemy
    sees a JSON column change only when it is assigned."""
    kept = dict(sources or {})
    entry = kept.get(session_id) or {"at": audit.as_utc(at).isoformat(), "texts": []}
    known = list(entry["texts"])
    kept[session_id] = {"at": entry["at"], "texts": [*known, *(t for t in texts if t and t not in known)]}
    return kept


def held_about(engine: Engine, session_id: str) -> dict[str, int]:
    """How many proposals and gaps name the conversation, and how many of its texts they still hold."""
    held = {"learning_proposals": 0, "learning_gaps": 0, "learning_texts": 0}
    with SqlSession(engine) as db:
        for table in TABLES:
            key = "learning_proposals" if table is ProposalRow else "learning_gaps"
            for row in _rows(db, select(table).where(_names(table, session_id))):
                if session_id in _conversations(row):
                    held[key] += 1
                    held["learning_texts"] += len(_brought(row, session_id))
    return held


def forget_session(engine: Engine, session_id: str, now: datetime, recentre: Recentre | None = None) -> int:
    """An erasure request: the conversation's texts leave every proposal and gap; how many rows changed."""
    return _forget(engine, now, recentre, lambda table: _names(table, session_id),
                   lambda sid, _: sid == session_id)


def forget_before(engine: Engine, cutoff: datetime, now: datetime, recentre: Recentre | None = None) -> int:
    """The retention job: texts of conversations that came before ``cutoff`` leave every proposal and gap."""
    cutoff = audit.as_utc(cutoff)
    return _forget(engine, now, recentre, lambda table: _since(table) < cutoff,
                   lambda _, at: at is None or at < cutoff)


def _forget(engine: Engine, now: datetime, recentre: Recentre | None, where: Callable[[type[Row]], Any],
            forgets: Forgets) -> int:
    changed = 0
    with SqlSession(engine) as db, db.begin():
        for table in TABLES:
            for row in _rows(db, select(table).where(where(table)).with_for_update()):
                erased = _forget_in(row, forgets)
                if erased is None:
                    continue
                _scrub(db, row, erased, now, recentre)
                _scrub_audit(db, row, erased)
                changed += 1
    return changed


def _forget_in(row: Row, forgets: Forgets) -> set[str] | None:
    """Unname the conversations ``forgets`` picks; the texts only they brought (None: none was picked)."""
    sources = dict(row.sources or {})
    legacy_at = audit.as_utc(row.updated_at if isinstance(row, ProposalRow) else row.last_seen)
    gone = [s for s in _conversations(row) if forgets(s, _at(sources.get(s)) if s in sources else legacy_at)]
    if not gone:
        return None
    if any(s not in sources for s in gone):  # written before sources were recorded: whose text is unknown
        erased = set(_texts(row))
    else:
        still = {t for s, source in sources.items() if s not in gone for t in source["texts"]}
        erased = {t for s in gone for t in sources[s]["texts"]} - still
    row.sessions = [s for s in row.sessions if s not in gone]
    row.sources = {s: source for s, source in sources.items() if s not in gone}
    return erased


def _scrub(db: SqlSession, row: Row, erased: set[str], now: datetime, recentre: Recentre | None) -> None:
    """The row without the erased texts; closed if it was open and no question is left."""
    if isinstance(row, ProposalRow):
        row.questions = [q for q in row.questions if q not in erased]
        row.answers = [a for a in row.answers if a not in erased]
        left = list(row.questions)
        if not left and row.state == ProposalState.OPEN.value:
            row.state, row.decided_by, row.decided_at, row.note = (ProposalState.REJECTED.value, audit.SYSTEM, now,
                                                                   CLOSED_NOTE)
            audit.record(db, now, audit.SYSTEM, "proposal", row.id, ProposalState.REJECTED.value, note=CLOSED_NOTE)
    else:
        row.examples = [e for e in row.examples if e not in erased]
        left = list(row.examples)
        if row.label in erased:
            row.label = left[0] if left else ERASED_LABEL
        if not left and row.state == GapState.OPEN.value:
            row.state, row.state_at, row.state_by, row.note = GapState.DISMISSED.value, now, audit.SYSTEM, CLOSED_NOTE
            audit.record(db, now, audit.SYSTEM, "gap", row.id, GapState.DISMISSED.value, note=CLOSED_NOTE)
    if erased:
        row.centre = (recentre(left) if recentre else row.centre) if left else None


def _scrub_audit(db: SqlSession, row: Row, erased: set[str]) -> None:
    """The row's audit steps keep what happened, without the forgotten texts (``asked`` steps list questions)."""
    if not erased:
        return
    subject = "proposal" if isinstance(row, ProposalRow) else "gap"
    for step in db.scalars(select(AuditRow).where(AuditRow.subject == subject, AuditRow.subject_id == row.id)):
        details = _without(step.details, erased)
        if details != step.details:
            step.details = details


def _without(value: Any, erased: set[str]) -> Any:
    if isinstance(value, str):
        return ERASED_LABEL if value in erased else value
    if isinstance(value, list):
        return [_without(v, erased) for v in value if not (isinstance(v, str) and v in erased)]
    if isinstance(value, dict):
        return {k: _without(v, erased) for k, v in value.items()}
    return value


def _rows(db: SqlSession, query: Select[Any]) -> list[Row]:
    return list(db.scalars(query))


def _names(table: type[Row], session_id: str) -> Any:
    """Rows that may name the conversation (checked exactly in Python: the JSON as text contains the id)."""
    return cast(table.sessions, String).contains(session_id) | cast(table.sources, String).contains(session_id)


def _since(table: type[Row]) -> Any:
    """When a row's first conversation came: none of its sources is older."""
    return ProposalRow.created_at if table is ProposalRow else GapRow.first_seen


def _conversations(row: Row) -> list[str]:
    return list(dict.fromkeys([*row.sessions, *(row.sources or {})]))


def _brought(row: Row, session_id: str) -> list[str]:
    sources = row.sources or {}
    if session_id not in sources:  # written before sources were recorded: every text may be its
        return _texts(row)
    return [t for t in sources[session_id]["texts"] if t in _texts(row)]


def _texts(row: Row) -> list[str]:
    return [*row.questions, *row.answers] if isinstance(row, ProposalRow) else [row.label, *row.examples]


def _at(source: dict[str, Any] | None) -> datetime | None:
    return audit.as_utc(datetime.fromisoformat(source["at"])) if source and source.get("at") else None
