"""What the recorder computes from a transcript and stores: response times, the escalated question,
redacted text, simulated times, and the customer's rating."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session as SqlSession

from handoff import Role, Session, SessionState, TranscriptEntry
from outcomes import (
    ConversationRecord,
    EscalationReason,
    InvalidRating,
    OutcomeRecorder,
    UnknownConversation,
    response_times,
    stored_transcript,
)
from outcomes.recorder import escalation_question
from tests.outcomes.factories import Script, record, transcript_and_session

T0 = 1_780_000_000.0


def entry(n: int, role: Role, text: str, at: float, **extra: object) -> TranscriptEntry:
    return TranscriptEntry(f"{n}-0", "s", role, text, T0 + at, **extra)  # type: ignore[arg-type]


@pytest.mark.unit
def test_every_bot_and_agent_response_time_is_measured_from_the_first_unanswered_message() -> None:
    transcript = [
        entry(1, Role.CUSTOMER, "hub offline", 0), entry(2, Role.CUSTOMER, "still offline", 3),
        entry(3, Role.BOT, "try this", 4.5), entry(4, Role.CUSTOMER, "a human please", 10),
        entry(5, Role.BOT, "connecting you", 10.4), entry(6, Role.SYSTEM, "Alex joined", 40),
        entry(7, Role.CUSTOMER, "hello?", 41), entry(8, Role.AGENT, "note to self", 42, internal=True),
        entry(9, Role.AGENT, "Hi, Alex here", 52), entry(10, Role.AGENT, "let me check", 53),
    ]
    times = response_times(transcript)
    assert times.first == 4.5  # from the first of two unanswered messages
    assert times.bot == [4.5, 0.4]
    assert times.agent == [11.0]  # the internal note and the system line are not responses


@pytest.mark.unit
def test_no_reply_means_no_first_response() -> None:
    assert response_times([entry(1, Role.CUSTOMER, "hello", 0)]).first is None


def escalated(reason: str) -> Session:
    return Session("s", SessionState.CLOSED, T0, reason=reason, queued_at=T0 + 30, escalated=True)


@pytest.mark.unit
def test_the_escalated_question_is_the_last_typed_message_before_the_handoff() -> None:
    transcript = [
        entry(1, Role.CUSTOMER, "does the hub speak zigbee", 0),
        entry(2, Role.BOT, "Which one?", 1, extra={"buttons": [{"title": "None of these", "payload": "/x"}]}),
        entry(3, Role.CUSTOMER, "None of these", 5),  # a button press, not a question
        entry(4, Role.CUSTOMER, "after the handoff", 40),
    ]
    assert escalation_question(escalated(EscalationReason.LOW_CONFIDENCE), transcript) == "does the hub speak zigbee"


@pytest.mark.unit
def test_when_an_answer_did_not_help_the_question_is_the_one_it_answered() -> None:
    transcript = [
        entry(1, Role.CUSTOMER, "why does my strip flicker", 0),
        entry(2, Role.BOT, "an answer", 1, extra={"article": {"id": "bulb-flickering"}}),
        entry(3, Role.CUSTOMER, "no, that didn't help", 20),
    ]
    assert escalation_question(escalated(EscalationReason.NOT_HELPFUL), transcript) == "why does my strip flicker"


@pytest.mark.integration
def test_customer_and_agent_text_is_stored_redacted_bot_text_as_is(engine: Engine,
                                                                    recorder: OutcomeRecorder) -> None:
    script = Script(start=datetime.now(UTC), question="my secret question", article=None,
                    reason=EscalationReason.LOW_CONFIDENCE,
                    queued_after=2, claimed_after=5, agent_reply_after=9, ended_by="agent")
    session, previous, transcript = transcript_and_session(script)
    transcript.append(TranscriptEntry("95-0", session.session_id, Role.AGENT, "a secret note",
                                      transcript[-1].ts + 1, internal=True))
    transcript.append(TranscriptEntry("96-0", session.session_id, Role.BOT, "bot secret stays", transcript[-1].ts + 1))
    recorder.record(session, previous, "agent", transcript, script.start.timestamp() + 60)
    stored = {(m.role, m.text, m.internal) for m in stored_transcript(engine, session.session_id)}
    assert ("customer", "my [REDACTED] question", False) in stored
    assert ("agent", "a [REDACTED] note", True) in stored
    assert ("bot", "bot secret stays", False) in stored
    with SqlSession(engine) as db:
        row = db.get(ConversationRecord, session.session_id)
        assert row is not None and row.escalation_question == "my [REDACTED] question"
        assert row.agent_name == "Alex Agent" and row.queue_wait_s == 3.0 and row.first_agent_reply_s == 7.0


@pytest.mark.integration
def test_a_shift_moves_every_stored_time_and_keeps_every_duration(engine: Engine, recorder: OutcomeRecorder) -> None:
    real = datetime(2026, 11, 25, 12, tzinfo=UTC)
    script = Script(start=real, bot_reply_after=2.0, ended_after=40)
    session, previous, transcript = transcript_and_session(script)
    simulated = datetime(2026, 10, 3, 4, 5, tzinfo=UTC)
    recorder.record(session, previous, "customer", transcript, real.timestamp() + 40,
                    shift_s=simulated.timestamp() - real.timestamp())
    with SqlSession(engine) as db:
        row = db.scalars(select(ConversationRecord)).one()
        assert row.started_at.replace(tzinfo=UTC) == simulated
        assert row.ended_at.replace(tzinfo=UTC) == simulated + timedelta(seconds=40)
        assert row.first_response_s == 2.0
    first = stored_transcript(engine, session.session_id)[0]
    assert first.ts.replace(tzinfo=UTC) == simulated + timedelta(seconds=0.5)


@pytest.mark.integration
def test_a_rating_is_stored_with_its_redacted_comment_and_may_be_changed(engine: Engine,
                                                                          recorder: OutcomeRecorder) -> None:
    sid = record(recorder, Script(start=datetime.now(UTC)))
    recorder.rate(sid, 2, "  my secret complaint ")
    recorder.rate(sid, 5, "changed my mind")
    with SqlSession(engine) as db:
        row = db.get(ConversationRecord, sid)
        assert row is not None and (row.csat, row.csat_comment) == (5, "changed my mind") and row.rated_at
    recorder.rate(sid, 4, None)
    with SqlSession(engine) as db:
        row = db.get(ConversationRecord, sid)
        assert row is not None and (row.csat, row.csat_comment) == (4, None)
    recorder.rate(sid, 3, "my secret")
    with SqlSession(engine) as db:
        assert db.get(ConversationRecord, sid).csat_comment == "my [REDACTED]"  # type: ignore[union-attr]


@pytest.mark.integration
@pytest.mark.parametrize("score", [0, 6, -1])
def test_a_score_outside_one_to_five_is_refused(recorder: OutcomeRecorder, score: int) -> None:
    sid = record(recorder, Script(start=datetime.now(UTC)))
    with pytest.raises(InvalidRating, match="1 to 5"):
        recorder.rate(sid, score, None)


@pytest.mark.integration
def test_rating_a_conversation_that_has_not_ended_is_refused(recorder: OutcomeRecorder) -> None:
    with pytest.raises(UnknownConversation, match="once it has ended"):
        recorder.rate("no-such-session", 5, None)


@pytest.mark.integration
def test_the_record_keeps_the_labels_and_the_articles_agents_answered_from(engine: Engine,
                                                                           recorder: OutcomeRecorder) -> None:
    tagged = record(recorder, Script(start=datetime.now(UTC), article=None, reason=EscalationReason.LOW_CONFIDENCE,
                                     queued_after=2, claimed_after=5, agent_reply_after=9, ended_by="agent",
                                     labels=("refund", "vip"), agent_articles=("hub-reset",)))
    plain = record(recorder, Script(start=datetime.now(UTC)))
    with SqlSession(engine) as db:
        row = db.get(ConversationRecord, tagged)
        assert row is not None and row.labels == ["refund", "vip"] and row.agent_article_ids == ["hub-reset"]
        other = db.get(ConversationRecord, plain)
        assert other is not None and other.labels == [] and other.agent_article_ids == []
