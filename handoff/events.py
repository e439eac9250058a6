"""What happened to a conversation, for other systems: the events the handoff moves emit.

Handoff only names the events and calls a sink after each move has happened; what is done with
them (signed webhooks, :mod:`webhooks`) is decided where the services are wired (``bot/services.py``).
The sink must be quick and must not fail the move: it enqueues, it does not deliver.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Protocol

from handoff.models import Session


class ConversationEvent(StrEnum):
    """The conversation events other systems can subscribe to (docs/webhooks.md)."""

    ESCALATED = "conversation.escalated"
    ASSIGNED = "conversation.assigned"
    TRANSFERRED = "conversation.transferred"
    OFFLINE_TICKET = "conversation.offline_ticket"
    RESOLVED = "conversation.resolved"
    RATED = "conversation.rated"


class EventSink(Protocol):
    """Receives each event once, right after the move it describes (``facts``: ids and figures, no text)."""

    async def emit(self, event: ConversationEvent, session: Session, **facts: Any) -> None: ...


class NoEvents:
    """The sink when nobody listens (unit tests, CLIs)."""

    async def emit(self, event: ConversationEvent, session: Session, **facts: Any) -> None:
        """Drop the event."""
