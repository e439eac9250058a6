"""Rasa custom actions, run by the gateway's action endpoint: glue to knowledge_base and handoff."""

from rasa_sdk import Action

from actions.handoff_actions import ActionHandoff
from actions.knowledge_base_actions import ActionAnswerFromKnowledgeBase
from handoff import HandoffService
from knowledge_base import KnowledgeBase


def build_actions(knowledge_base: KnowledgeBase, handoff: HandoffService) -> list[Action]:
    """Every custom action, wired to the services it needs."""
    return [ActionAnswerFromKnowledgeBase(knowledge_base, handoff), ActionHandoff(handoff)]


__all__ = ["ActionAnswerFromKnowledgeBase", "ActionHandoff", "build_actions"]
