"""Human handoff over Redis: sessions, transcripts, the queue and live fan-out.

Public surface: :class:`HandoffService` (the verbs), :class:`LiveBus` (live events across
gateways), the value objects in :mod:`handoff.models` and the errors in :mod:`handoff.errors`.
"""

from handoff.errors import (
    HandoffError,
    InvalidTransition,
    SessionAlreadyClaimed,
    SessionNotFound,
    SessionNotHeld,
)
from handoff.live import RESYNC, LiveBus, Subscription
from handoff.models import Agent, Role, Session, SessionState, TranscriptEntry
from handoff.service import HandoffService, QueueItem

__all__ = [
    "RESYNC", "Agent", "HandoffError", "HandoffService", "InvalidTransition", "LiveBus",
    "QueueItem", "Role", "Session", "SessionAlreadyClaimed", "SessionNotFound", "SessionNotHeld",
    "SessionState", "Subscription", "TranscriptEntry",
]
