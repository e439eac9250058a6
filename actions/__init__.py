"""Rasa custom actions, run by the gateway's action endpoint: glue to knowledge_base and handoff."""

from rasa_sdk import Action

from actions.handoff_actions import ActionHandoff
from actions.knowledge_base_actions import ActionAnswerFromKnowledgeBase
from handoff import HandoffService
from knowledge_base import KnowledgeBase
from retraining import ReviewRecorder
from routing import Policy


def build_actions(knowledge_base: KnowledgeBase, handoff: HandoffService,
                  review: ReviewRecorder | None = None, policy: Policy | None = None) -> list[Action]:
    """Every custom action, wired to the services it needs (``review`` queues doubtful messages,
    ``policy`` is the routing decision's knobs, by default the knowledge base's thresholds alone)."""
    return [ActionAnswerFromKnowledgeBase(knowledge_base, handoff, review, policy), ActionHandoff(handoff, review)]


__all__ = ["ActionAnswerFromKnowledgeBase", "ActionHandoff", "build_actions"]
