"""The agent socket (``/ws/agent``): the console's live queue, transcripts and replies."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from starlette.websockets import WebSocket

from background import raise_if_cancelled
from bot.core.security import InvalidToken, Principal, StaffRole
from bot.core.session import SESSION_COOKIE, same_origin
from bot.services import Services
from bot.ws.connection import Outbox, SessionFeed, error_frame, message_frame, serve_frames
from bot.ws.frames import (
    AGENT_FRAMES,
    AgentMessage,
    AgentTyping,
    Auth,
    Claim,
    FrameError,
    Handback,
    Logout,
    Open,
    Resolve,
    SetPresence,
    Transfer,
    clean_text,
)
from bot.ws.notify import Notifications
from bot.ws.queue_watch import queue_watch
from handoff import RESYNC, Agent, Presence, Role, SessionNotHeld, SessionState, Subscription
from knowledge_base import ArticleNotFound

logger = logging.getLogger(__name__)
CLOSE_AUTH = 4401
LOGGED_OUT_NOTE = "Your agent has signed off. You are at the front of the queue for the next person."


class AgentConnection:
    """Serves one console from ``auth`` to disconnect."""

    def __init__(self, websocket: WebSocket, services: Services) -> None:
        self._ws = websocket
        self._services = services
        self._handoff = services.handoff
        self._outbox = Outbox(websocket)
        self._agent: Agent | None = None
        self._feeds: dict[str, SessionFeed] = {}
        self._subscriptions: list[Subscription] = []
        self._queue = queue_watch(services)
        self._tasks: list[asyncio.Task[None]] = []
        self._presence = Presence.ONLINE
        self._capacity = services.settings.handoff.default_capacity
        self._logged_out = False
        self._beat_now = asyncio.Event()
        self._presence_lock = asyncio.Lock()
        self._gone = False
        self._notifications: Notifications | None = None

    async def serve(self) -> None:
        """Accept, authenticate, then handle frames until the agent goes away."""
        await self._ws.accept()
        self._tasks.append(asyncio.create_task(self._outbox.run()))
        try:
            await self._handle_frames()
        finally:
            await self._shutdown()

    async def _handle_frames(self) -> None:
        await serve_frames(self._ws, AGENT_FRAMES, self._outbox, self._services.limiter,
                           self._services.settings.max_frame_bytes, self._handle)

    async def _handle(self, frame: Any) -> bool:
        """Authenticate first; then each frame acts for the agent. False ends the connection."""
        if isinstance(frame, Auth):
            return await self._auth(frame)
        await self._dispatch(frame, self._require_agent())
        return True

    def _require_agent(self) -> Agent:
        if self._agent is None:
            raise FrameError("not_authenticated", 'send "auth" with a token first')
        return self._agent

    async def _auth(self, frame: Auth) -> bool:
        try:
            principal = self._services.signer.read_staff_token(frame.token or self._session_token())
        except InvalidToken:
            principal = None
        if principal is None or not principal.can(StaffRole.AGENT):
            self._outbox.put(error_frame("auth_failed", "the token is invalid, expired, or not an agent's"))
            self._outbox.close(CLOSE_AUTH)
            await self._tasks[0]
            return False
        self._agent = _agent_of(principal)
        self._notifications = Notifications(self._services.bus, self._outbox, self._agent)
        self._subscriptions.append(self._services.bus.follow_agents(self._on_agents_event))
        self._notifications.hold(await self._handoff.held_by(self._agent.id))  # after: none missed
        await self._beat()
        self._outbox.put({"type": "ready", "agent": {"id": principal.username, "name": principal.name,
                                                     "role": principal.role.value},
                          "presence": self._presence.value, "capacity": self._capacity})
        self._queue.add(self._outbox)
        self._tasks.append(asyncio.create_task(self._heartbeats()))
        return True

    def _session_token(self) -> str:
        """The staff session cookie of a console on this site (SameSite=Strict, and the Origin checked)."""
        if not same_origin(self._ws.headers):
            raise InvalidToken("the session cookie is only accepted from this site's pages")
        token = self._ws.cookies.get(SESSION_COOKIE)
        if not token:
            raise InvalidToken("send a token, or sign in to the staff pages first")
        return token

    async def _beat(self) -> None:
        """Write this console's presence; serialised, so a late beat never undoes a change or a logout."""
        assert self._agent is not None
        async with self._presence_lock:
            if not (self._logged_out or self._gone):
                await self._handoff.presence.heartbeat(self._agent, self._presence, self._capacity)

    async def _heartbeats(self) -> None:
        """Keep this agent's presence alive while the console is connected."""
        assert self._agent is not None
        while True:
            with contextlib.suppress(TimeoutError):  # a resync (Redis came back) beats at once
                await asyncio.wait_for(self._beat_now.wait(), timeout=self._services.settings.handoff.heartbeat_s)
            self._beat_now.clear()
            try:
                await self._beat()
            except Exception:
                raise_if_cancelled()
                logger.warning("presence heartbeat failed", exc_info=True)

    async def _dispatch(self, frame: Any, agent: Agent) -> None:
        if isinstance(frame, Open):
            await self._open(frame.session_id)
        elif isinstance(frame, Claim):
            await self._handoff.claim(frame.session_id, agent)
            messages = await self._follow(frame.session_id)
            self._outbox.put({"type": "claimed", "session_id": frame.session_id, "messages": messages})
        elif isinstance(frame, AgentMessage):
            await self._reply(frame, agent)
        elif isinstance(frame, AgentTyping):
            await self._typing(frame.session_id, agent, frame.on)
        elif isinstance(frame, Resolve):
            await self._services.closer.close(frame.session_id, "agent", agent, ours=frame.ours)
        elif isinstance(frame, Handback):
            await self._handoff.hand_back(frame.session_id, agent)
        elif isinstance(frame, Transfer):
            await self._transfer(frame, agent)
        elif isinstance(frame, SetPresence):
            self._presence = Presence(frame.presence)
            self._capacity = frame.capacity or self._capacity
            await self._beat()
            self._outbox.put({"type": "presence", "presence": self._presence.value, "capacity": self._capacity})
        elif isinstance(frame, Logout):
            await self._log_out(agent)

    async def _reply(self, frame: AgentMessage, agent: Agent) -> None:
        """Store the reply; one taken from a suggested article records that article on the session."""
        typed = clean_text(frame.text, self._services.settings.max_message_chars)
        article_id = None if frame.internal else frame.article_id
        if article_id is not None:
            await self._known_article(article_id)
        text = (await asyncio.to_thread(self._services.redactor.screen, typed)).live  # the door, as for customers
        entry, _ = await self._handoff.agent_reply(frame.session_id, agent, text, frame.client_id,
                                                   internal=frame.internal)
        if article_id is not None:
            await self._handoff.note_agent_article(frame.session_id, article_id)
        self._outbox.put({"type": "ack", "client_id": frame.client_id, "id": entry.id})

    async def _known_article(self, article_id: str) -> None:
        try:
            await asyncio.to_thread(self._services.knowledge_base.get_article, article_id)
        except ArticleNotFound as exc:
            raise FrameError("invalid_frame", f"no knowledge-base article {article_id!r}; "
                             "send the reply without article_id") from exc

    async def _open(self, session_id: str) -> None:
        session = await self._handoff.get_session(session_id)
        messages = await self._follow(session_id)
        self._outbox.put({"type": "transcript", "session_id": session_id, "state": session.state.value,
                          "messages": messages})

    async def _follow(self, session_id: str) -> list[dict[str, Any]]:
        """Start the live feed of a session; returns its transcript so far."""
        entries = await self._handoff.transcript(session_id)
        feed = self._feeds.get(session_id)
        if feed is None:
            last = entries[-1].id if entries else None
            self._feeds[session_id] = SessionFeed(self._handoff, session_id, self._outbox,
                                                  include_internal=True, last_sent=last)
            self._subscriptions.append(self._services.bus.follow_session(
                session_id, lambda event: self._on_session_event(session_id, event)))
        return [message_frame(e) for e in entries]

    async def _typing(self, session_id: str, agent: Agent, on: bool) -> None:
        session = await self._handoff.get_session(session_id)
        if session.state != SessionState.ASSIGNED or session.agent_id != agent.id:
            raise SessionNotHeld(session_id)
        await self._handoff.typing(session_id, Role.AGENT, on)

    async def _transfer(self, frame: Transfer, agent: Agent) -> None:
        target = None
        if frame.to_agent_id:
            principal = await asyncio.to_thread(self._services.accounts.get, frame.to_agent_id)
            if principal is None or not principal.can(StaffRole.AGENT):
                raise FrameError("invalid_frame", f"no agent with id {frame.to_agent_id}")
            target = _agent_of(principal)
        queues = self._services.settings.handoff.queues
        if frame.to_queue and frame.to_queue not in queues:
            raise FrameError("invalid_frame", f"unknown queue {frame.to_queue!r}; queues: {', '.join(queues)}")
        await self._handoff.transfer(frame.session_id, agent, target, frame.to_queue or "")

    async def _log_out(self, agent: Agent) -> None:
        """Going off shift: the agent's chats go back to the front of the queue at once."""
        async with self._presence_lock:
            self._logged_out = True
            await self._handoff.presence.disconnected(agent, logged_out=True)
        for item in await self._handoff.queue():
            if item.agent_id == agent.id:
                await self._handoff.requeue(item.session_id, LOGGED_OUT_NOTE)
        self._outbox.close(1000)

    def _on_session_event(self, session_id: str, event: dict[str, Any]) -> None:
        kind = event.get("kind")
        feed = self._feeds.get(session_id)
        if kind == "message" and feed:
            feed.offer(event)
        elif kind == RESYNC["kind"] and feed:
            feed.poke()
        elif kind == "typing" and event.get("role") == Role.CUSTOMER.value:
            self._outbox.put({"type": "typing", "session_id": session_id, "role": "customer", "on": event["on"]})

    def _on_agents_event(self, event: dict[str, Any]) -> None:
        """Presence and session changes for this console (the queue itself comes from the watch)."""
        if event.get("kind") == RESYNC["kind"]:
            self._beat_now.set()  # our presence may have expired while Redis was away
        if event.get("kind") == "presence":
            self._outbox.put({"type": "agent_presence", "agent_id": event["agent_id"],
                              "presence": event["presence"]})
        if event.get("kind") == "state":
            self._outbox.put({"type": "session_state", "session_id": event["session_id"],
                              "state": event["state"], "agent_id": event["agent_id"],
                              "agent_name": event["agent_name"]})
        if self._notifications is not None:  # after the state it is about
            self._notifications.on_agents_event(event)

    async def _shutdown(self) -> None:
        if self._agent is not None and not self._logged_out:
            with contextlib.suppress(Exception):  # Redis may be away; the presence then expires
                async with self._presence_lock:
                    self._gone = True
                    await self._handoff.presence.disconnected(self._agent, logged_out=False)
        self._queue.remove(self._outbox)
        if self._notifications is not None:
            self._notifications.close()
        for subscription in self._subscriptions:
            subscription.close()
        for feed in self._feeds.values():
            await feed.close()
        for task in self._tasks:
            task.cancel()


def _agent_of(principal: Principal) -> Agent:
    """The person as the handoff service knows them; what their role allows is decided here, by StaffRole."""
    return Agent(id=principal.username, name=principal.name, role=principal.role.value,
                 may_supervise=principal.can(StaffRole.SUPERVISOR))
