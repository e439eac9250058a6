"""The JSON body of a delivery: the event, the conversation's facts, and redacted text.

Built once per event, when a gateway takes it from the outbox, and stored in the delivery log, so
every endpoint and every retry gets the same bytes. Customer text (the escalated question, the
offline ticket's question, the rating comment) goes through the full redactor: e-mail addresses,
phone numbers and names become labels, and card or account numbers were masked at the door. The
ticket's contact is never sent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session as SqlSession

from handoff import HandoffService, Role, Session, iso_utc
from handoff.events import ConversationEvent
from outcomes.models import ConversationRecord
from outcomes.recorder import escalation_question
from webhooks.outbox import QueuedEvent

Redact = Callable[[str], str]
SCHEMA_VERSION = 1


def conversation_facts(session: Session) -> dict[str, Any]:
    """What an integrator needs to know about the conversation at the event's moment."""

    def when(ts: float | None) -> str | None:
        return iso_utc(ts) if ts is not None else None

    agent = {"id": session.agent_id, "name": session.agent_name} if session.agent_id else None
    return {"id": session.session_id, "state": session.state.value, "queue": session.queue or None,
            "product": session.product or None, "reason": session.reason or None, "offline": session.offline,
            "escalated": session.escalated, "customer_messages": session.customer_messages,
            "created_at": when(session.created_at), "queued_at": when(session.queued_at),
            "claimed_at": when(session.claimed_at), "agent": agent}


def encode(payload: dict[str, Any]) -> str:
    """The body as sent: compact JSON, UTF-8 characters kept."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


class PayloadBuilder:
    """Reads what an event's payload needs (transcript, outcome record) and redacts its text."""

    def __init__(self, handoff: HandoffService, engine: Engine, redact: Redact) -> None:
        self._handoff = handoff
        self._engine = engine
        self._redact = redact

    async def build(self, event: QueuedEvent) -> dict[str, Any]:
        """The payload of one event (docs/webhooks.md lists each type's ``data``)."""
        data = dict(event.facts)
        if event.type == ConversationEvent.ESCALATED:
            data["question"] = await self._escalated_question(event.session)
        elif event.type == ConversationEvent.OFFLINE_TICKET:
            data["question"] = await self._message_text(event.session.session_id, str(data.pop("question_id", "")))
            data["contact_left"] = True
        elif event.type == ConversationEvent.RATED:
            data["comment"] = await asyncio.to_thread(self._rating_comment, event.session.session_id)
        return {"id": event.id, "type": event.type.value, "created_at": iso_utc(event.at),
                "schema_version": SCHEMA_VERSION, "conversation": conversation_facts(event.session), "data": data}

    async def _escalated_question(self, session: Session) -> str | None:
        """The customer's question that went to a person (as the outcome record names it), redacted."""
        transcript = await self._handoff.transcript(session.session_id, include_internal=False)
        question = escalation_question(session, transcript)
        return await self._redacted(question)

    async def _message_text(self, session_id: str, message_id: str) -> str | None:
        entries = await self._handoff.transcript(session_id, include_internal=False)
        texts = [e.text for e in entries if e.id == message_id and e.role == Role.CUSTOMER]
        return await self._redacted(texts[0] if texts else None)

    async def _redacted(self, text: str | None) -> str | None:
        return await asyncio.to_thread(self._redact, text) if text else None

    def _rating_comment(self, session_id: str) -> str | None:
        """The stored comment: the recorder redacted it already."""
        with SqlSession(self._engine) as db:
            record = db.get(ConversationRecord, session_id)
            return record.csat_comment if record is not None else None
