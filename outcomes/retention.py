"""Forgetting: transcripts past the retention period, and one customer's conversation on request.

Both keep the conversation's figures (times, outcome, reason, score), which say nothing about
the person, so the service reports for past periods do not change; both remove every text the
conversation left behind: its stored transcript, the escalated question and the rating comment.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session as SqlSession

from outcomes.errors import UnknownConversation
from outcomes.metrics import as_utc
from outcomes.models import ConversationRecord, StoredMessage

_TEXT_CLEARED = {"escalation_question": None, "csat_comment": None}


def purge_transcripts(engine: Engine, ended_before: datetime, now: datetime) -> int:
    """Anonymise every conversation that ended before ``ended_before``; returns how many were purged."""
    cutoff = as_utc(ended_before)
    with SqlSession(engine) as db, db.begin():
        ids = list(db.scalars(select(ConversationRecord.session_id).where(
            ConversationRecord.ended_at < cutoff, ConversationRecord.transcript_purged_at.is_(None))))
        for chunk in _chunks(ids, 500):
            db.execute(delete(StoredMessage).where(StoredMessage.session_id.in_(chunk)))
            db.execute(update(ConversationRecord).where(ConversationRecord.session_id.in_(chunk))
                       .values(**_TEXT_CLEARED, transcript_purged_at=as_utc(now)))
    return len(ids)


def erase_conversation(engine: Engine, session_id: str, now: datetime) -> None:
    """Remove everything the customer wrote in one conversation (an erasure request); idempotent.

    Raises UnknownConversation when there is no record for ``session_id``.
    """
    with SqlSession(engine) as db, db.begin():
        record = db.get(ConversationRecord, session_id)
        if record is None:
            raise UnknownConversation(session_id)
        db.execute(delete(StoredMessage).where(StoredMessage.session_id == session_id))
        record.escalation_question = None
        record.csat_comment = None
        record.transcript_purged_at = record.transcript_purged_at or as_utc(now)
        record.erased_at = record.erased_at or as_utc(now)


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def purge_older_than(engine: Engine, days: int, now: datetime | None = None) -> int:
    """The retention job: anonymise conversations that ended more than ``days`` days ago."""
    now = now or datetime.now(UTC)
    return purge_transcripts(engine, now - timedelta(days=days), now)


def kept_about(engine: Engine, session_id: str) -> dict[str, object]:
    """What SQL still holds about one conversation (for an access request): counts and flags, no text."""
    with SqlSession(engine) as db:
        record = db.get(ConversationRecord, session_id)
        messages = db.scalar(select(func.count()).select_from(StoredMessage)
                             .where(StoredMessage.session_id == session_id))
    if record is None:
        return {"record": False, "messages": int(messages or 0)}
    return {"record": True, "messages": int(messages or 0),
            "escalation_question": record.escalation_question is not None,
            "rating_comment": record.csat_comment is not None,
            "transcript_purged_at": _iso(record.transcript_purged_at), "erased_at": _iso(record.erased_at)}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat()
