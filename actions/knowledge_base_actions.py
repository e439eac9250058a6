"""``action_answer_from_kb``: answer from the knowledge base, offer a choice, or hand over.

The decision itself belongs to :mod:`knowledge_base`; this action only turns it into bot messages.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff_actions import escalate
from handoff import HandoffService
from knowledge_base import Candidate, KnowledgeBase
from retraining import ReviewRecorder

CLARIFY_PROMPT = "I found a few articles that might help. Which one matches your question?"
NONE_OF_THESE = {"title": "None of these", "payload": "/request_human"}
REPHRASE_PROMPT = "Sorry, I didn't understand that. Could you say it in other words, or ask for a person?"
TALK_TO_A_PERSON = {"title": "Talk to a person", "payload": "/request_human"}
#: Set when the bot asked the customer to rephrase; a second miss right after it escalates.
MISUNDERSTOOD_SLOT = "misunderstood"


def choose_payload(article_id: str) -> str:
    """The button payload that asks Rasa to answer with one article (intent choose_article)."""
    return "/choose_article" + json.dumps({"article_id": article_id})


def misunderstood_just_before(events: list[dict[str, Any]]) -> bool:
    """Whether the bot asked to rephrase the customer's previous message (two-stage fallback).

    Reads the events between the previous user message and the latest one, so any message the
    bot did understand in between breaks the run.
    """
    users_seen = 0
    for event in reversed(events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen == 2:
                return False
        elif users_seen == 1 and event.get("event") == "slot" and event.get("name") == MISUNDERSTOOD_SLOT:
            return bool(event.get("value"))
    return False


def answer_message(candidate: Candidate) -> dict[str, Any]:
    """The bot message for a confident answer, naming the article it came from."""
    return {"text": candidate.body, "article": {"id": candidate.article_id, "title": candidate.title}}


class ActionAnswerFromKnowledgeBase(Action):
    """Answers the latest message from the knowledge base, or clarifies, or escalates."""

    def __init__(self, knowledge_base: KnowledgeBase, handoff: HandoffService,
                 review: ReviewRecorder | None = None) -> None:
        self._kb = knowledge_base
        self._handoff = handoff
        self._review = review  # queues unsure or unanswered messages for the NLU review (retraining/)

    def name(self) -> str:
        return "action_answer_from_kb"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        chosen = next(tracker.get_latest_entity_values("article_id"), None)
        if chosen:
            await self._answer(dispatcher, tracker.sender_id, await asyncio.to_thread(self._kb.candidate, chosen))
            return []
        question = tracker.latest_message.get("text") or ""
        decision = await asyncio.to_thread(self._kb.decide, question)
        if self._review:
            await self._review.note_kb_decision(tracker, decision.action)
        if decision.action == "answer":
            await self._answer(dispatcher, tracker.sender_id, decision.candidates[0])
        elif decision.action == "clarify":
            buttons = [{"title": c.title, "payload": choose_payload(c.article_id)} for c in decision.candidates]
            dispatcher.utter_message(json_message={"text": CLARIFY_PROMPT, "buttons": [*buttons, NONE_OF_THESE]})
        elif self._first_miss(tracker):
            dispatcher.utter_message(json_message={"text": REPHRASE_PROMPT, "buttons": [TALK_TO_A_PERSON]})
            return [SlotSet(MISUNDERSTOOD_SLOT, True)]
        else:
            top_product = decision.candidates[0].product if decision.candidates else ""
            reason = "low_confidence" if self._intent(tracker) != "nlu_fallback" else "repeated_fallback"
            await escalate(dispatcher, self._handoff, tracker, reason, top_product or "")
        return []

    @staticmethod
    def _intent(tracker: Tracker) -> str:
        return str((tracker.latest_message.get("intent") or {}).get("name") or "")

    def _first_miss(self, tracker: Tracker) -> bool:
        """NLU was unsure and the KB has nothing: ask to rephrase once before handing over.

        A confidently classified product question the KB cannot answer goes to a person at once.
        """
        return self._intent(tracker) == "nlu_fallback" and not misunderstood_just_before(tracker.events)

    async def _answer(self, dispatcher: CollectingDispatcher, session_id: str, candidate: Candidate) -> None:
        dispatcher.utter_message(json_message=answer_message(candidate))
        await self._handoff.note_bot_answer(session_id, candidate.article_id)
