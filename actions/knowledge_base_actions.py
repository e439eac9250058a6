"""``action_answer_from_kb``: every message that may carry a question; answers, clarifies or hands over.

The choice belongs to :func:`routing.route`; this action only gathers its signals (Rasa's
intent ranking and entities, the knowledge base's candidates for each reading of the message)
and turns the route into bot messages.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff_actions import escalate
from handoff import HandoffService
from knowledge_base import Candidate, KnowledgeBase
from retraining import ReviewRecorder
from routing import Policy, Route, Signals, Step, route, signals_of

logger = logging.getLogger(__name__)

CLARIFY_PROMPT = "I found a few articles that might help. Which one matches your question?"
NONE_OF_THESE = {"title": "None of these", "payload": "/request_human"}
REPHRASE_PROMPT = "Sorry, I didn't understand that. Could you say it in other words, or ask for a person?"
TALK_TO_A_PERSON = {"title": "Talk to a person", "payload": "/request_human"}
SMALL_TALK_RESPONSES = {"thanks": "utter_youre_welcome", "goodbye": "utter_goodbye"}
#: Set when the bot asked the customer to rephrase; a second miss right after it escalates.
MISUNDERSTOOD_SLOT = "misunderstood"
#: Escalations the knowledge base could not prevent; the others are the customer's or the classifier's.
KB_MISSES = frozenset({"low_confidence", "repeated_fallback"})


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
    """Routes the latest message: answer, clarify, small talk, ask to rephrase, or hand over."""

    def __init__(self, knowledge_base: KnowledgeBase, handoff: HandoffService,
                 review: ReviewRecorder | None = None, policy: Policy | None = None) -> None:
        self._kb = knowledge_base
        self._handoff = handoff
        self._review = review  # queues unsure or unanswered messages for the NLU review (retraining/)
        self._policy = policy or Policy(thresholds=knowledge_base.thresholds)

    def name(self) -> str:
        return "action_answer_from_kb"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        chosen = next(tracker.get_latest_entity_values("article_id"), None)
        if chosen:
            await self._answer(dispatcher, tracker.sender_id, await asyncio.to_thread(self._kb.candidate, chosen))
            return []
        decided = route(await asyncio.to_thread(self._signals, tracker), self._policy)
        logger.info("routed step=%s rule=%s candidates=%s", decided.step, decided.rule,
                    " ".join(f"{a}:{s}" for a, s in decided.why()["candidates"]) or "-")
        await self._note(tracker, decided)
        return await self._carry_out(dispatcher, tracker, decided)

    def _signals(self, tracker: Tracker) -> Signals:
        """What the routing decision sees (:func:`routing.signals_of`, as the preview sees it too)."""
        return signals_of(tracker.latest_message, self._kb.search, rephrased=misunderstood_just_before(tracker.events))

    async def _carry_out(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                         decided: Route) -> list[dict[str, Any]]:
        if decided.step is Step.ANSWER:
            await self._answer(dispatcher, tracker.sender_id, decided.candidates[0])
        elif decided.step is Step.CLARIFY:
            buttons = [{"title": c.title, "payload": choose_payload(c.article_id)} for c in decided.candidates]
            dispatcher.utter_message(json_message={"text": CLARIFY_PROMPT, "buttons": [*buttons, NONE_OF_THESE]})
        elif decided.step is Step.SMALL_TALK:
            dispatcher.utter_message(response=SMALL_TALK_RESPONSES.get(decided.signals.top.name, "utter_greet"))
        elif decided.step is Step.REPHRASE:
            dispatcher.utter_message(json_message={"text": REPHRASE_PROMPT, "buttons": [TALK_TO_A_PERSON]})
            return [SlotSet(MISUNDERSTOOD_SLOT, True)]
        else:
            await escalate(dispatcher, self._handoff, tracker, str(decided.reason), self._queue_label(decided),
                           why=decided.why())
        return []

    @staticmethod
    def _queue_label(decided: Route) -> str:
        """What the agent's queue shows as the product: the other brand, ours, or (when the knowledge
        base fell short) the best article's."""
        if decided.brand or decided.signals.products:
            return decided.brand or decided.signals.products[0]
        ranked = decided.signals.ranked()
        return (ranked[0].product or "") if ranked and str(decided.reason) in KB_MISSES else ""

    async def _note(self, tracker: Tracker, decided: Route) -> None:
        """Queue the message for the admins' review when it is worth a look, with the decision's record."""
        if not self._review:
            return
        reason = str(decided.reason or "")
        if decided.step is Step.HAND_OVER and reason not in KB_MISSES:
            await self._review.note_escalation(tracker, reason, decided.why())
        else:
            kb_action = "escalate" if decided.step is Step.HAND_OVER else decided.step.value
            await self._review.note_kb_decision(tracker, kb_action, decided.why())

    async def _answer(self, dispatcher: CollectingDispatcher, session_id: str, candidate: Candidate) -> None:
        dispatcher.utter_message(json_message=answer_message(candidate))
        await self._handoff.note_bot_answer(session_id, candidate.article_id)
