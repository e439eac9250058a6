"""Value objects the handoff service hands out: sessions and transcript entries."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


def iso_utc(ts: float) -> str:
    """The protocol's one time format: ISO 8601 in UTC (``2026-11-25T14:23:00.271753+00:00``)."""
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()


class SessionState(StrEnum):
    """Where a conversation is: with the bot, waiting for a person, with a person, or over."""

    BOT = "bot"
    QUEUED = "queued"
    ASSIGNED = "assigned"
    CLOSED = "closed"


class Role(StrEnum):
    """Who wrote a transcript entry."""

    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


@dataclass(frozen=True)
class Agent:
    """The person acting on a session (from the agent's authenticated token).

    ``role`` is the staff role's name, only shown (to supervisors, with presence); what the role
    allows arrives as ``may_supervise``, decided by the gateway from its StaffRole, so the
    handoff rules never re-derive it from the name. Supervising means moving any open handoff
    (assign, transfer, close one held by someone else), not only one's own.
    """

    id: str
    name: str
    role: str = "agent"
    may_supervise: bool = False


@dataclass(frozen=True)
class Session:
    """A snapshot of one session's state hash in Redis."""

    session_id: str
    state: SessionState
    created_at: float
    reason: str = ""
    queued_at: float | None = None
    claimed_at: float | None = None
    agent_id: str = ""
    agent_name: str = ""
    escalated: bool = False
    kb_answers: int = 0
    customer_messages: int = 0
    first_agent_reply_at: float | None = None
    last_activity: float = 0.0
    articles: tuple[str, ...] = ()
    queue: str = ""
    product: str = ""
    offline: bool = False
    contact: str = ""
    why: dict[str, Any] = field(default_factory=dict)  # the bot's reason to hand over (routing.Route.why)
    labels: tuple[str, ...] = ()  # agents' tags (their rules: desk.labels)
    agent_articles: tuple[str, ...] = ()  # knowledge-base articles agents' replies were taken from

    @classmethod
    def from_hash(cls, session_id: str, raw: dict[str, str]) -> Session:
        """Build a snapshot from the Redis hash (all values are strings there)."""

        def opt_float(key: str) -> float | None:
            value = raw.get(key)
            return float(value) if value else None

        return cls(
            session_id=session_id,
            state=SessionState(raw["state"]),
            created_at=float(raw["created_at"]),
            reason=raw.get("reason", ""),
            queued_at=opt_float("queued_at"),
            claimed_at=opt_float("claimed_at"),
            agent_id=raw.get("agent_id", ""),
            agent_name=raw.get("agent_name", ""),
            escalated=raw.get("escalated") == "1",
            kb_answers=int(raw.get("kb_answers", "0")),
            customer_messages=int(raw.get("customer_messages", "0")),
            first_agent_reply_at=opt_float("first_agent_reply_at"),
            last_activity=float(raw.get("last_activity", raw["created_at"])),
            articles=tuple(json.loads(raw.get("articles", "[]"))),
            queue=raw.get("queue", ""),
            product=raw.get("product", ""),
            offline=raw.get("offline") == "1",
            contact=raw.get("contact", ""),
            why=json.loads(raw.get("why") or "{}"),
            labels=tuple(json.loads(raw.get("labels") or "[]")),
            agent_articles=tuple(json.loads(raw.get("agent_articles") or "[]")),
        )


@dataclass(frozen=True)
class TranscriptEntry:
    """One message of a conversation, as stored in the session's Redis stream."""

    id: str
    session_id: str
    role: Role
    text: str
    ts: float
    client_id: str = ""
    agent_name: str = ""
    internal: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_fields(self) -> dict[str, str]:
        """Stream fields for XADD (the id is assigned by Redis)."""
        return {
            "role": self.role.value,
            "text": self.text,
            "ts": repr(self.ts),
            "client_id": self.client_id,
            "agent_name": self.agent_name,
            "internal": "1" if self.internal else "0",
            "extra": json.dumps(self.extra, separators=(",", ":")),
        }

    @classmethod
    def from_fields(cls, session_id: str, entry_id: str, fields: dict[str, str]) -> TranscriptEntry:
        """Inverse of :meth:`to_fields`."""
        return cls(
            id=entry_id,
            session_id=session_id,
            role=Role(fields["role"]),
            text=fields["text"],
            ts=float(fields["ts"]),
            client_id=fields.get("client_id", ""),
            agent_name=fields.get("agent_name", ""),
            internal=fields.get("internal") == "1",
            extra=json.loads(fields.get("extra") or "{}"),
        )

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        data = asdict(self)
        data["role"] = self.role.value
        return data
