"""Puts the live bot's doubtful moments in the review queue, from inside the custom actions.

Two moments are recorded, each once per customer message:

- the knowledge-base action ran on a message the NLU was unsure about (``nlu_fallback``, or an
  intent below ``below_confidence``), or it had no answer for it (``kb_no_answer``);
- the handoff action handed over. When the trigger was "I want a person" or "that did not help",
  the message worth reviewing is the question before it (the one the bot failed), not the trigger.

Recording never disturbs the conversation: a failure is logged and swallowed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from outcomes.models import EscalationReason
from retraining.review import Observation, ReviewQueue

logger = logging.getLogger(__name__)
FALLBACK_INTENT = "nlu_fallback"
# Escalations whose trigger is not the question itself: the customer gave up on an earlier answer.
TRIGGER_REASONS = frozenset({EscalationReason.CUSTOMER_REQUEST, EscalationReason.NOT_HELPFUL})
# Intents of messages that are questions the bot tried to answer (the others are chit-chat or triggers).
QUESTION_INTENTS = frozenset({"product_question", FALLBACK_INTENT})


class ConversationView(Protocol):
    """The parts of rasa_sdk's Tracker the recorder reads."""

    sender_id: str
    latest_message: dict[str, Any]
    events: list[dict[str, Any]]


def top_intent(parse_data: dict[str, Any]) -> tuple[str, float]:
    """The best real intent and its confidence (past ``nlu_fallback``, which only says "unsure")."""
    ranking = parse_data.get("intent_ranking") or [parse_data.get("intent") or {}]
    for entry in ranking:
        if entry.get("name") and entry.get("name") != FALLBACK_INTENT:
            return str(entry["name"]), float(entry.get("confidence") or 0.0)
    intent = parse_data.get("intent") or {}
    return str(intent.get("name") or ""), float(intent.get("confidence") or 0.0)


def _user_events(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Typed customer messages (button payloads such as ``/request_human`` are not questions)."""
    return [e for e in events if e.get("event") == "user" and not str(e.get("text") or "").startswith("/")]


def _is_question(parse_data: dict[str, Any]) -> bool:
    """Whether the bot treated the message as a question to answer (not chit-chat or a trigger)."""
    named = (parse_data.get("intent") or {}).get("name")
    return named in QUESTION_INTENTS or top_intent(parse_data)[0] in QUESTION_INTENTS


def _observation(session_id: str, event: dict[str, Any], reason: str,
                 why: dict[str, Any] | None = None) -> Observation | None:
    parse_data = event.get("parse_data") or {}
    text = str(event.get("text") or parse_data.get("text") or "").strip()
    if not text or text.startswith("/"):
        return None
    intent, confidence = top_intent(parse_data)
    message_id = event.get("message_id") or parse_data.get("message_id") or event.get("timestamp") or text
    return Observation(session_id=session_id, message_key=f"{session_id}:{message_id}"[:200], text=text,
                       intent=intent, confidence=confidence, reason=reason, why=why)


class ReviewRecorder:
    """What the custom actions call; decides whether a moment is worth an admin's look."""

    def __init__(self, queue: ReviewQueue, below_confidence: float) -> None:
        self._queue = queue
        self._below = below_confidence

    def unsure_reason(self, parse_data: dict[str, Any]) -> str | None:
        """``nlu_fallback`` or ``low_confidence`` when the NLU was unsure of the message, else None."""
        intent = (parse_data.get("intent") or {}).get("name")
        if intent == FALLBACK_INTENT:
            return FALLBACK_INTENT
        return "low_confidence" if top_intent(parse_data)[1] < self._below else None

    async def note_kb_decision(self, tracker: ConversationView, kb_action: str,
                               why: dict[str, Any] | None = None) -> None:
        """The knowledge-base action decided ``kb_action`` (answer, clarify, escalate) on the latest message.

        ``why`` is the routing decision's record (:meth:`routing.Route.why`), shown to the admin.
        """
        reason = self.unsure_reason(tracker.latest_message) or ("kb_no_answer" if kb_action == "escalate" else None)
        if reason is not None:
            await self._record(tracker.sender_id, self._latest(tracker), reason, why)

    async def note_escalation(self, tracker: ConversationView, reason: str,
                              why: dict[str, Any] | None = None) -> None:
        """The conversation was handed to a person for ``reason`` (``why``: the decision's record)."""
        messages = _user_events(tracker.events)
        event = self._latest(tracker)
        if reason in TRIGGER_REASONS:
            earlier = [e for e in messages[:-1] if _is_question(e.get("parse_data") or {})]
            if not earlier:
                return  # "a person, please" as the first thing: nothing for the NLU to learn
            event = earlier[-1]
        await self._record(tracker.sender_id, event, f"escalation:{reason}", why)

    @staticmethod
    def _latest(tracker: ConversationView) -> dict[str, Any]:
        """The latest user event (with its message id), or one built from ``latest_message``."""
        messages = [e for e in tracker.events if e.get("event") == "user"]
        if messages:
            return messages[-1]
        return {"event": "user", "text": tracker.latest_message.get("text"), "parse_data": tracker.latest_message}

    async def _record(self, session_id: str, event: dict[str, Any], reason: str,
                      why: dict[str, Any] | None = None) -> None:
        observation = _observation(session_id, event, reason, why)
        if observation is None:
            return
        try:
            await asyncio.to_thread(self._queue.add, observation)  # redaction is CPU work
        except Exception:  # the conversation matters more than the review queue
            logger.exception("could not queue a message for review session=%s", session_id)
