"""Human handoff over Redis: sessions, transcripts, the queue and live fan-out.

Public surface: :class:`HandoffService` (the verbs), :class:`LiveBus` (live events across
gateways), the value objects in :mod:`handoff.models` and the errors in :mod:`handoff.errors`.
"""

from handoff.assignment import AssignmentMode
from handoff.errors import (
    AgentAtCapacity,
    AgentUnavailable,
    HandoffError,
    InvalidTransition,
    SessionAlreadyClaimed,
    SessionNotFound,
    SessionNotHeld,
)
from handoff.events import ConversationEvent, EventSink, NoEvents
from handoff.live import RESYNC, LiveBus, Subscription, event_entry
from handoff.models import Agent, Role, Session, SessionState, TranscriptEntry, iso_utc
from handoff.presence import AgentStatus, Presence, PresenceRegistry
from handoff.service import HandoffService, QueueItem, Stored

__all__ = [
    "RESYNC",
    "Agent",
    "AgentAtCapacity",
    "AgentStatus",
    "AgentUnavailable",
    "AssignmentMode",
    "ConversationEvent",
    "EventSink",
    "HandoffError",
    "HandoffService",
    "InvalidTransition",
    "LiveBus",
    "NoEvents",
    "Presence",
    "PresenceRegistry",
    "QueueItem",
    "Role",
    "Session",
    "SessionAlreadyClaimed",
    "SessionNotFound",
    "SessionNotHeld",
    "SessionState",
    "Stored",
    "Subscription",
    "TranscriptEntry",
    "event_entry",
    "iso_utc",
]
