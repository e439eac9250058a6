"""Conversations for the outcome tests, written through the real recorder (Session + transcript in, record out)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from handoff import Role, Session, SessionState, TranscriptEntry
from outcomes import OutcomeRecorder
from outcomes.recorder import EndedBy


@dataclass
class Script:
    """What happens in one conversation, in seconds from its start."""

    start: datetime
    question: str = "How do I factory reset my Lumen Hub?"
    bot_reply_after: float = 1.0
    article: str | None = "hub-reset"
    then_articles: tuple[str, ...] = ()  # answered after ``article``, in this order
    reason: str = ""
    queued_after: float | None = None
    claimed_after: float | None = None
    agent_reply_after: float | None = None
    ended_after: float = 60.0
    ended_by: EndedBy = "customer"
    csat: int | None = None
    comment: str | None = None
    extra_customer: list[tuple[float, str]] = field(default_factory=list)
    labels: tuple[str, ...] = ()
    agent_articles: tuple[str, ...] = ()
    session_id: str = field(default_factory=lambda: uuid.uuid4().hex)


def transcript_and_session(script: Script) -> tuple[Session, SessionState, list[TranscriptEntry]]:
    """The Redis-side view of a scripted conversation, as the closer hands it to the recorder."""
    t0 = script.start.timestamp()
    sid = script.session_id
    entries = [TranscriptEntry("1-0", sid, Role.CUSTOMER, script.question, t0 + 0.5)]
    extra = {"article": {"id": script.article, "title": script.article}} if script.article else {}
    entries.append(TranscriptEntry("2-0", sid, Role.BOT, "an answer", t0 + 0.5 + script.bot_reply_after, extra=extra))
    for n, later in enumerate(script.then_articles, 50):
        entries.append(TranscriptEntry(f"{n}-0", sid, Role.BOT, f"then {later}", t0 + 0.6 + script.bot_reply_after,
                                       extra={"article": {"id": later, "title": later}}))
    for n, (at, text) in enumerate(script.extra_customer, 3):
        entries.append(TranscriptEntry(f"{n}-0", sid, Role.CUSTOMER, text, t0 + at))
    if script.claimed_after is not None:
        entries.append(TranscriptEntry("90-0", sid, Role.SYSTEM, "Alex Agent joined the conversation.",
                                       t0 + script.claimed_after))
    if script.agent_reply_after is not None:
        entries.append(TranscriptEntry("91-0", sid, Role.AGENT, "Hello, Alex here", t0 + script.agent_reply_after,
                                       agent_name="Alex Agent"))
    entries.sort(key=lambda e: e.ts)
    claimed = script.claimed_after is not None
    previous = SessionState.ASSIGNED if claimed else (SessionState.QUEUED if script.queued_after else SessionState.BOT)
    session = Session(
        session_id=sid, state=SessionState.CLOSED, created_at=t0, reason=script.reason,
        queued_at=None if script.queued_after is None else t0 + script.queued_after,
        claimed_at=t0 + script.claimed_after if claimed else None,  # type: ignore[operator]
        agent_id="agent1" if claimed else "", agent_name="Alex Agent" if claimed else "",
        escalated=script.queued_after is not None, kb_answers=1 if script.article else 0,
        customer_messages=1 + len(script.extra_customer),
        first_agent_reply_at=None if script.agent_reply_after is None else t0 + script.agent_reply_after,
        articles=((script.article,) if script.article else ()) + script.then_articles,
        labels=script.labels, agent_articles=script.agent_articles,
    )
    return session, previous, entries


def record(recorder: OutcomeRecorder, script: Script) -> str:
    """Write the scripted conversation (and its rating) through the recorder; returns its session id."""
    session, previous, entries = transcript_and_session(script)
    recorder.record(session, previous, script.ended_by, entries, script.start.timestamp() + script.ended_after)
    if script.csat is not None:
        recorder.rate(script.session_id, script.csat, script.comment)
    return script.session_id
