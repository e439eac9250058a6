"""What an agent's console is told to notify about: the ``notify`` frame (docs/protocol.md).

Three things deserve the agent's attention even when the console is in a background tab:

- ``assigned``: a chat was given to this agent by someone else (automatic assignment, a
  supervisor, a colleague's transfer); their own claims are not news to them;
- ``message``: a customer wrote in a chat this agent holds (open in the console or not);
- ``waiting``: a chat joined a queue (new, transferred or requeued).

Each frame carries ``ts``, when the server announced the event, and for ``waiting`` and
``assigned`` the chat's ``queued_at``, so the time from escalation to notification can be measured.
The console decides how to notify (sound, desktop notification, title count) per the agent's choices.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.ws.connection import Outbox
from handoff import Agent, LiveBus, Role, SessionState, Subscription, iso_utc


def notify_frame(kind: str, session_id: str, ts: float, *, queue: str = "",
                 queued_at: float | None = None) -> dict[str, Any]:
    """The ``notify`` frame."""
    return {"type": "notify", "kind": kind, "session_id": session_id, "queue": queue, "ts": iso_utc(ts),
            "queued_at": None if queued_at is None else iso_utc(queued_at)}


class Notifications:
    """Turns live events into ``notify`` frames for one agent's console."""

    def __init__(self, bus: LiveBus, outbox: Outbox, agent: Agent) -> None:
        self._bus = bus
        self._outbox = outbox
        self._agent = agent
        self._held: dict[str, Subscription] = {}  # chats this agent holds: their customers' messages

    def hold(self, session_ids: list[str]) -> None:
        """Follow the customers' messages in chats the agent holds (on connect: the chats held already)."""
        for session_id in session_ids:
            if session_id not in self._held:
                self._held[session_id] = self._bus.follow_session(session_id, self._listener(session_id))

    def _listener(self, session_id: str) -> Callable[[dict[str, Any]], None]:
        return lambda event: self._on_session_event(session_id, event)

    def on_agents_event(self, event: dict[str, Any]) -> None:
        """A session's ``state`` event: a chat waiting, given to this agent, or gone from them."""
        if event.get("kind") != "state":
            return
        session_id, state = event["session_id"], event["state"]
        mine = state == SessionState.ASSIGNED.value and event.get("agent_id") == self._agent.id
        ts = float(event.get("ts") or 0.0)
        if state == SessionState.QUEUED.value:
            self._outbox.put(notify_frame("waiting", session_id, ts, queue=event.get("queue", ""),
                                          queued_at=event.get("queued_at")))
        if mine and session_id not in self._held:
            self.hold([session_id])
            if event.get("assigned_by") != self._agent.id:
                self._outbox.put(notify_frame("assigned", session_id, ts, queue=event.get("queue", ""),
                                              queued_at=event.get("queued_at")))
        if not mine and session_id in self._held:
            self._held.pop(session_id).close()

    def _on_session_event(self, session_id: str, event: dict[str, Any]) -> None:
        entry = event.get("entry") or {}
        if event.get("kind") == "message" and entry.get("role") == Role.CUSTOMER.value:
            self._outbox.put(notify_frame("message", session_id, float(entry.get("ts") or 0.0)))

    def close(self) -> None:
        """The console went away."""
        for subscription in self._held.values():
            subscription.close()
        self._held.clear()
