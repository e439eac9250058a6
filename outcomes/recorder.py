"""Decides a finished conversation's outcome and writes its record; stores the customer's rating.

The rules (docs/metrics.md says why):
- an agent closed a session they held → ``agent_resolved``;
- never escalated, and the bot answered at least once from the knowledge base → ``bot_resolved``
  (also when the customer then left without confirming: an *assumed* resolution);
- escalated and closed before any agent took it, or never answered at all → ``abandoned``;
- escalated, taken by an agent, but not closed by one → ``escalated_unresolved``.

Every text stored here (customer and agent messages, the escalated question, rating comments)
goes through the redactor first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session as SqlSession

from handoff import Role, Session, SessionState, TranscriptEntry
from outcomes.errors import InvalidRating, UnknownConversation
from outcomes.models import ConversationRecord, EscalationReason, Outcome, StoredMessage
from outcomes.schema import migrate

EndedBy = Literal["customer", "agent", "idle"]
Redact = Callable[[str], str]
REDACTED_ROLES = frozenset({Role.CUSTOMER, Role.AGENT})  # bot and system text is our own content


def classify(session: Session, previous: SessionState, ended_by: EndedBy) -> Outcome:
    """The outcome of a conversation that was in state ``previous`` when it was closed."""
    if ended_by == "agent" and previous == SessionState.ASSIGNED:
        return Outcome.AGENT_RESOLVED
    if session.escalated:
        reached_agent = session.claimed_at is not None
        return Outcome.ESCALATED_UNRESOLVED if reached_agent else Outcome.ABANDONED
    return Outcome.BOT_RESOLVED if session.kb_answers > 0 else Outcome.ABANDONED


@dataclass(frozen=True)
class ResponseTimes:
    """Seconds from each unanswered customer message to the bot's or an agent's next reply."""

    first: float | None = None
    bot: list[float] = field(default_factory=list)
    agent: list[float] = field(default_factory=list)


def response_times(transcript: Sequence[TranscriptEntry]) -> ResponseTimes:
    """Every response time in a transcript.

    The clock starts at the first customer message nobody has answered yet (several messages in
    a row count once) and stops at the next bot or agent message the customer sees. System
    messages ("Alex joined", the bot's holding reply) are not responses; internal notes neither.
    """
    waiting_since: float | None = None
    first: float | None = None
    bot: list[float] = []
    agent: list[float] = []
    for entry in transcript:
        if entry.role == Role.CUSTOMER:
            waiting_since = entry.ts if waiting_since is None else waiting_since
        elif waiting_since is not None and entry.role in (Role.BOT, Role.AGENT) and not entry.internal:
            elapsed = round(entry.ts - waiting_since, 3)
            (bot if entry.role == Role.BOT else agent).append(elapsed)
            first = elapsed if first is None else first
            waiting_since = None
    return ResponseTimes(first=first, bot=bot, agent=agent)


def escalation_question(session: Session, transcript: Sequence[TranscriptEntry]) -> str | None:
    """The customer's question that ended with a person: the message typed just before the handoff.

    Button presses are skipped (their text is the button's title). When the reason is that an
    answer did not help, the question is the one that answer was for, not the "no".
    """
    if session.queued_at is None:
        return None
    before = [e for e in transcript if e.ts <= session.queued_at]
    offered = {b.get("title") for e in before for b in e.extra.get("buttons", [])}
    if session.reason == EscalationReason.NOT_HELPFUL:
        answers = [i for i, e in enumerate(before) if e.role == Role.BOT and e.extra.get("article")]
        before = before[: answers[-1]] if answers else before
    typed = [e.text for e in before if e.role == Role.CUSTOMER and e.text not in offered]
    return typed[-1] if typed else None


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def _since(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else round(end - start, 3)


class OutcomeRecorder:
    """Writes one :class:`ConversationRecord` (and its redacted transcript) per closed session."""

    def __init__(self, engine: Engine, redact: Redact = lambda text: text,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._engine = engine
        self._redact = redact
        self._clock = clock

    def create_schema(self) -> None:
        """Bring the outcome tables to the newest migration."""
        migrate(self._engine)

    def record(
        self,
        session: Session,
        previous: SessionState,
        ended_by: EndedBy,
        transcript: Sequence[TranscriptEntry],
        ended_at: float,
        shift_s: float = 0.0,
    ) -> ConversationRecord:
        """Store the outcome row; idempotent per session id (a second call changes nothing).

        ``shift_s`` moves every stored time by that many seconds and leaves every duration as
        measured: the simulated-month benchmark uses it to place real conversations on the days
        it simulates (docs/metrics.md, "Simulated time").
        """
        with SqlSession(self._engine, expire_on_commit=False) as db, db.begin():
            existing = db.get(ConversationRecord, session.session_id)
            if existing is not None:
                return existing
            record = self._new_record(session, previous, ended_by, transcript, ended_at, shift_s)
            db.add(record)
            db.flush()
            db.add_all(self._stored_messages(session.session_id, transcript, shift_s))
        return record

    def rate(self, session_id: str, score: int, comment: str | None) -> None:
        """Store the customer's 1-5 rating and optional comment (redacted); a new rating replaces one before.

        Raises InvalidRating for a score outside 1-5, UnknownConversation before the record exists.
        """
        if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
            raise InvalidRating(score)
        text = comment.strip() if comment else ""
        with SqlSession(self._engine) as db, db.begin():
            record = db.get(ConversationRecord, session_id)
            if record is None:
                raise UnknownConversation(session_id)
            record.csat = score
            record.csat_comment = self._redact(text) if text and record.erased_at is None else None
            record.rated_at = self._clock()

    def _new_record(self, session: Session, previous: SessionState, ended_by: EndedBy,
                    transcript: Sequence[TranscriptEntry], ended_at: float, shift_s: float) -> ConversationRecord:
        times = response_times(transcript)
        question = escalation_question(session, transcript)
        queue_end = session.claimed_at or (ended_at if session.queued_at else None)
        return ConversationRecord(
            session_id=session.session_id,
            channel="web",
            started_at=_utc(session.created_at + shift_s),
            ended_at=_utc(ended_at + shift_s),
            ended_by=ended_by,
            outcome=classify(session, previous, ended_by).value,
            escalation_reason=session.reason or None,
            articles=list(session.articles),
            customer_messages=session.customer_messages,
            first_response_s=times.first,
            bot_response_times=times.bot,
            agent_response_times=times.agent,
            queue_wait_s=_since(session.queued_at, queue_end),
            first_agent_reply_s=_since(session.queued_at, session.first_agent_reply_at),
            handling_s=_since(session.claimed_at, ended_at),
            agent_id=session.agent_id or None,
            agent_name=session.agent_name or None,
            escalation_question=self._redact(question) if question else None,
            product=session.product or None,
            queue=session.queue or None,
            offline_ticket=bool(session.contact),
            labels=list(session.labels),
            agent_article_ids=list(session.agent_articles),
        )

    def _stored_messages(self, session_id: str, transcript: Sequence[TranscriptEntry],
                         shift_s: float) -> list[StoredMessage]:
        return [
            StoredMessage(session_id=session_id, message_id=e.id, role=e.role.value, internal=e.internal,
                          text=self._redact(e.text) if e.role in REDACTED_ROLES else e.text,
                          ts=_utc(e.ts + shift_s))
            for e in transcript
        ]


def stored_transcript(engine: Engine, session_id: str) -> list[StoredMessage]:
    """The stored (redacted) transcript of one finished conversation, oldest first."""
    with SqlSession(engine, expire_on_commit=False) as db:
        if db.get(ConversationRecord, session_id) is None:
            raise UnknownConversation(session_id)
        query = select(StoredMessage).where(StoredMessage.session_id == session_id).order_by(StoredMessage.id)
        return list(db.scalars(query))
