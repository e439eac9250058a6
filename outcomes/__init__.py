"""Conversation outcomes: the record written when a conversation ends, and the figures from them."""

from outcomes.metrics import Summary, summarize
from outcomes.models import ConversationRecord, Outcome
from outcomes.recorder import OutcomeRecorder, classify

__all__ = ["ConversationRecord", "Outcome", "OutcomeRecorder", "Summary", "classify", "summarize"]
