"""``action_handoff``: hand the conversation to a person, saying why in words the customer gets."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from handoff import HandoffService
from outcomes.models import EscalationReason
from retraining import ReviewRecorder
from routing import Route, Signals, Step, entity_values, intents_of

# The escalation reason for each intent that ends with a person (docs/metrics.md lists them all).
REASON_BY_INTENT = {
    "request_human": "customer_request",
    "third_party_question": "third_party",
    "out_of_scope": "out_of_scope",
    "deny": "not_helpful",
    "nlu_fallback": "low_confidence",
}

HANDOFF_MESSAGES = {
    "third_party": (
        "That sounds like a question about another company's product, which I can't answer "
        "myself. I'm connecting you with a person from our support team."
    ),
    "out_of_scope": (
        "I can only help with Lumen products, so I'm connecting you with a person from our "
        "support team."
    ),
    "low_confidence": (
        "I'm not sure I have a good answer to that, so I'm connecting you with a person from "
        "our support team."
    ),
    "not_helpful": "Sorry that didn't help. I'm connecting you with a person from our support team.",
    "repeated_fallback": (
        "Sorry, I still don't understand, so I'm connecting you with a person from our support team."
    ),
}
DEFAULT_HANDOFF_MESSAGE = "Sure, I'm connecting you with a person from our support team."
STAY_HERE = " You can keep typing here; they will see the whole conversation."


def handoff_message(reason: str) -> str:
    """What the bot tells the customer when it hands over for ``reason``."""
    return HANDOFF_MESSAGES.get(reason, DEFAULT_HANDOFF_MESSAGE) + STAY_HERE


def mentioned(tracker: Tracker, entity: str) -> str:
    """The ``entity`` of the latest message, else the slot of the same name (an earlier mention)."""
    return str(next(tracker.get_latest_entity_values(entity), None) or tracker.get_slot(entity) or "")


async def escalate(
    dispatcher: CollectingDispatcher, handoff: HandoffService, tracker: Tracker, reason: str, product: str = "",
    why: dict[str, Any] | None = None,
) -> None:
    """Queue the session for a person and tell the customer (shared by both actions).

    The product the customer mentioned (NLU entity or slot) goes with it, for the agent's queue
    view, and so does ``why``: the signals and the rule behind the handover.
    """
    product = product or mentioned(tracker, "product")
    session = await handoff.escalate(tracker.sender_id, reason, product=product, why=why)
    dispatcher.utter_message(json_message={"text": handoff_message(reason), "handoff": reason})
    if session.offline:
        dispatcher.utter_message(json_message={"text": handoff.offline_note, "ask_contact": True})


class ActionHandoff(Action):
    """Escalates to the human queue; the reason comes from the intent that led here."""

    def __init__(self, handoff: HandoffService, review: ReviewRecorder | None = None) -> None:
        self._handoff = handoff
        self._review = review  # queues the escalated question for the NLU review (retraining/)

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name", "")
        reason = REASON_BY_INTENT.get(intent, "customer_request")
        # For another company's product the agent's queue shows that brand (the `brand` entity).
        brand = mentioned(tracker, "brand") if reason == "third_party" else ""
        parse_data = tracker.latest_message
        signals = Signals(intents_of(parse_data), entity_values(parse_data, "product"),
                          entity_values(parse_data, "brand"))
        why = Route(Step.HAND_OVER, f"intent:{intent}", signals, reason=EscalationReason(reason)).why()
        await escalate(dispatcher, self._handoff, tracker, reason, brand, why)
        if self._review:
            await self._review.note_escalation(tracker, reason, why)
        return []

