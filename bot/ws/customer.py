"""The customer socket (``/ws/customer``): one widget bound to one session."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from starlette.websockets import WebSocket

from background import raise_if_cancelled
from bot.core.security import InvalidToken
from bot.services import Services
from bot.ws.connection import Outbox, SessionFeed, error_frame, serve_frames
from bot.ws.frames import (
    CUSTOMER_FRAMES,
    CancelHandoff,
    Choose,
    Contact,
    CustomerMessage,
    End,
    FrameError,
    Hello,
    Rate,
    Typing,
    clean_text,
)
from handoff import RESYNC, ConversationEvent, HandoffError, Role, Session, SessionState, Subscription
from privacy import Screened

logger = logging.getLogger(__name__)
CLOSE_ORIGIN = 4403
CLOSE_SESSION = 4404
WAIT_REFRESH_S = 15.0  # how often a waiting customer's position and estimate are refreshed
POSITION_REFRESH_S = 0.5  # at most this often when the queue moves
SECRETS_NOTE = (
    "For your security, please don't share card numbers, bank account numbers or ID numbers in this "
    "chat. We have hidden the number you sent, and we will never ask you for one here."
)
SECRETS_WARNED = "secrets_warned"  # session flag: the customer has had SECRETS_NOTE


def origin_allowed(websocket: WebSocket, allowed: list[str]) -> bool:
    """Whether the page that opened the socket may use the widget (``*`` allows any)."""
    origin = websocket.headers.get("origin")
    return "*" in allowed or origin is None or origin in allowed


class CustomerConnection:
    """Serves one customer socket from ``hello`` to disconnect."""

    def __init__(self, websocket: WebSocket, services: Services) -> None:
        self._ws = websocket
        self._services = services
        self._handoff = services.handoff
        self._outbox = Outbox(websocket)
        self._session_id = ""
        self._feed: SessionFeed | None = None
        self._subscriptions: list[Subscription] = []
        self._to_bot: asyncio.Queue[str] = asyncio.Queue()  # texts for Rasa, already redacted
        self._tasks: list[asyncio.Task[None]] = []
        self._state: SessionState | None = None  # as last seen: decides who cares about queue moves
        self._state_dirty = asyncio.Event()
        self._state_urgent = asyncio.Event()
        self._state_always = False
        self._client_ip = websocket.client.host if websocket.client else "unknown"

    async def serve(self) -> None:
        """Accept, then handle frames until the customer goes away."""
        await self._ws.accept()
        self._tasks.append(asyncio.create_task(self._outbox.run()))
        try:
            if not origin_allowed(self._ws, self._services.settings.allowed_origins):
                await self._refuse("origin_not_allowed", "this site may not use the chat", CLOSE_ORIGIN)
                return
            await self._handle_frames()
        finally:
            await self._shutdown()

    async def _handle_frames(self) -> None:
        settings = self._services.settings
        await serve_frames(self._ws, CUSTOMER_FRAMES, self._outbox, self._services.limiter,
                           settings.max_frame_bytes, self._dispatch)

    async def _dispatch(self, frame: Any) -> bool:
        """Handle one valid frame; False ends the connection."""
        if isinstance(frame, CustomerMessage | Choose | Contact):
            await self._services.limiter.customer_message(self._session_id or "-", self._client_ip)
        if isinstance(frame, Hello):
            return await self._hello(frame)
        if not self._session_id:
            raise FrameError("not_authenticated", 'send "hello" first')
        if isinstance(frame, CustomerMessage):
            await self._message(frame.client_id, clean_text(frame.text, self._services.settings.max_message_chars))
        elif isinstance(frame, Choose):
            await self._choose(frame.client_id, frame.payload)
        elif isinstance(frame, Typing):
            await self._handoff.typing(self._session_id, Role.CUSTOMER, frame.on)
        elif isinstance(frame, End):
            await self._services.closer.close(self._session_id, "customer")
        elif isinstance(frame, Rate):
            await self._rate(frame)
        elif isinstance(frame, CancelHandoff):
            await self._handoff.cancel_escalation(self._session_id)
        elif isinstance(frame, Contact):
            await self._contact(frame)
        return True

    async def _screen(self, text: str) -> Screened:
        """The door: secrets masked before anything is stored or sent anywhere."""
        return await asyncio.to_thread(self._services.redactor.screen, text)

    async def _warn_about(self, *screened: Screened) -> None:
        """Ask the customer, once per conversation, not to send card or account numbers."""
        if any(s.secrets for s in screened):
            await self._handoff.note_once(self._session_id, SECRETS_WARNED, SECRETS_NOTE)

    async def _contact(self, frame: Contact) -> None:
        """An offline ticket: the contact (an e-mail or phone, kept while the ticket waits) and the question."""
        contact = await self._screen(frame.contact)
        question = await self._screen(clean_text(frame.text, self._services.settings.max_message_chars))
        entry = await self._handoff.leave_contact(self._session_id, contact.live, question.live, frame.client_id)
        self._outbox.put({"type": "ack", "client_id": frame.client_id, "id": entry.id})
        await self._warn_about(contact, question)

    async def _rate(self, frame: Rate) -> None:
        """Store the customer's satisfaction rating of a conversation that has ended."""
        session = await self._handoff.get_session(self._session_id)
        if session.state != SessionState.CLOSED:
            raise FrameError("invalid_state", "a conversation can be rated once it has ended")
        comment = (await self._screen(frame.comment.strip())).live if frame.comment else None
        await asyncio.to_thread(self._services.recorder.rate, self._session_id, frame.score, comment or None)
        self._outbox.put({"type": "rated", "score": frame.score})
        await self._services.events.emit(ConversationEvent.RATED, session, score=frame.score)
        await self._services.learn_from_rating(self._session_id)

    async def _hello(self, frame: Hello) -> bool:
        if self._session_id:
            raise FrameError("invalid_state", "this socket is already bound to a session")
        try:
            session = await self._bind(frame.session_token)
        except (InvalidToken, HandoffError):
            await self._refuse("session_invalid", "the session token is invalid or expired; start a new chat",
                               CLOSE_SESSION)
            return False
        self._session_id = session.session_id
        self._state = session.state
        token = self._services.signer.customer_token(session.session_id)
        self._outbox.put({"type": "session", "session_id": session.session_id, "session_token": token,
                          "state": session.state.value, "greeting": self._services.settings.widget_greeting})
        self._feed = SessionFeed(self._handoff, session.session_id, self._outbox, include_internal=False,
                                 last_sent=frame.last_message_id)
        bus = self._services.bus
        self._subscriptions = [bus.follow_session(session.session_id, self._on_event),
                               bus.follow_agents(self._on_agents_event)]
        if session.state != SessionState.BOT:
            await self._send_state(session)
        self._tasks.append(asyncio.create_task(self._bot_worker()))
        self._tasks.append(asyncio.create_task(self._state_sender()))
        return True

    async def _bind(self, token: str | None) -> Session:
        if token is None:
            await self._services.limiter.new_session(self._client_ip)
            return await self._handoff.start_session()
        return await self._handoff.get_session(self._services.signer.read_customer_token(token))

    async def _message(self, client_id: str, text: str) -> None:
        """A typed message: the live chat keeps the screened text, the bot gets it fully redacted."""
        screened = await self._screen(text)
        await self._store(client_id, screened.live, screened.bot)
        await self._warn_about(screened)

    async def _store(self, client_id: str, shown_text: str, bot_text: str) -> None:
        stored = await self._handoff.customer_message(self._session_id, shown_text, client_id)
        self._outbox.put({"type": "ack", "client_id": client_id, "id": stored.entry.id})
        if stored.created and stored.state == SessionState.BOT:  # with a person, the bot stays out
            self._to_bot.put_nowait(bot_text)

    async def _choose(self, client_id: str, payload: str) -> None:
        """A button press: the transcript shows the button's title, the bot gets its payload (ours)."""
        titles = {b["payload"]: b["title"] for e in await self._handoff.transcript(self._session_id)
                  for b in e.extra.get("buttons", [])}
        if payload not in titles:
            raise FrameError("invalid_frame", "that option is not offered in this conversation")
        await self._store(client_id, titles[payload], payload)

    async def _bot_worker(self) -> None:
        """Relay messages to the bot one at a time, in the order the customer sent them."""
        while True:
            text = await self._to_bot.get()
            try:
                await self._services.relay.relay(self._session_id, text)
            except Exception:
                raise_if_cancelled()
                logger.exception("relaying a message to the bot failed")
            finally:
                self._to_bot.task_done()

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("kind")
        if kind == "message" and self._feed:
            self._feed.offer(event)
        elif kind == RESYNC["kind"] and self._feed:
            self._feed.poke()
        if kind == "typing" and event.get("role") != Role.CUSTOMER.value:
            self._outbox.put({"type": "typing", "role": event["role"], "on": event["on"]})
        elif kind == "ended":
            self._outbox.put({"type": "ended", "outcome": event["outcome"]})
        elif kind in ("state", RESYNC["kind"]):
            if "state" in event:
                self._state = SessionState(event["state"])
            self._want_state(always=True)

    def _on_agents_event(self, event: dict[str, Any]) -> None:
        """Another session moved, or an agent's presence or capacity changed: while we wait, our
        place, the estimate and whether anyone is available may have changed.

        Only waiting customers care; the others ignore it without touching Redis.
        """
        moved = event.get("kind") == "state" and event.get("session_id") != self._session_id
        if (moved or event.get("kind") == "presence") and self._state == SessionState.QUEUED:
            self._want_state(always=False)

    def _want_state(self, *, always: bool) -> None:
        """Ask for a ``state`` frame: always, or only if we are queued (to update the position)."""
        if always:
            self._state_always = True
            self._state_urgent.set()
        self._state_dirty.set()

    async def _state_sender(self) -> None:
        """Send state frames after changes, and refresh the wait estimate while queued.

        A busy queue moves often; position updates are sent at most every POSITION_REFRESH_S
        (bursts coalesce), while a change of this session's own state goes out at once.
        """
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._state_dirty.wait(), timeout=WAIT_REFRESH_S)
            self._state_dirty.clear()
            self._state_urgent.clear()
            always, self._state_always = self._state_always, False
            try:
                session = await self._handoff.get_session(self._session_id)
                self._state = session.state
                if always or session.state == SessionState.QUEUED:
                    await self._send_state(session)
            except HandoffError:
                continue
            except Exception:  # e.g. Redis away: try again on the next change or refresh
                raise_if_cancelled()
                logger.warning("state refresh failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._state_urgent.wait(), timeout=POSITION_REFRESH_S)

    async def _send_state(self, session: Session) -> None:
        frame: dict[str, Any] = {"type": "state", "state": session.state.value}
        if session.state == SessionState.QUEUED:
            position, wait_s = await self._handoff.wait_estimate(session.session_id)
            frame |= {"reason": session.reason, "position": position, "estimated_wait_s": wait_s,
                      "offline": await self._handoff.nobody_available(), "contact_left": bool(session.contact)}
            if session.contact:
                frame["contact"] = session.contact
        if session.state == SessionState.ASSIGNED:
            frame["agent_name"] = session.agent_name
        self._outbox.put(frame)

    async def _refuse(self, code: str, detail: str, close_code: int) -> None:
        self._outbox.put(error_frame(code, detail))
        self._outbox.close(close_code)
        await self._tasks[0]  # the outbox: it sends the reason, then closes

    async def _shutdown(self) -> None:
        for subscription in self._subscriptions:
            subscription.close()
        if self._feed:
            await self._feed.close()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._to_bot.join(), timeout=self._services.settings.rasa_timeout_s)
        for task in self._tasks:
            task.cancel()
