"""What both sockets share: an ordered outbox, frame reading, and a per-session message feed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from pydantic import TypeAdapter
from redis.exceptions import RedisError
from starlette.websockets import WebSocket, WebSocketDisconnect

from background import raise_if_cancelled
from bot.markdown import markdown_to_html
from bot.ratelimit import RateLimited, RateLimiter
from bot.ws.frames import FrameError, parse_frame
from handoff import HandoffError, HandoffService, Role, TranscriptEntry, event_entry, iso_utc
from outcomes import OutcomesError

logger = logging.getLogger(__name__)
T = TypeVar("T")
OUTBOX_LIMIT = 1000
CLOSE_TOO_SLOW = 1008
POLL_S = 30.0  # feeds also read the transcript this often: a last safety net (see SessionFeed)


def message_frame(entry: TranscriptEntry) -> dict[str, Any]:
    """The protocol's ``message`` frame for a transcript entry."""
    frame: dict[str, Any] = {
        "type": "message",
        "id": entry.id,
        "session_id": entry.session_id,
        "role": entry.role.value,
        "text": entry.text,
        "ts": iso_utc(entry.ts),
    }
    if entry.client_id:
        frame["client_id"] = entry.client_id
    if entry.agent_name:
        frame["agent_name"] = entry.agent_name
    if entry.internal:
        frame["internal"] = True
    for key in ("article", "buttons", "ask_contact"):
        if entry.extra.get(key):
            frame[key] = entry.extra[key]
    if entry.role == Role.BOT:
        frame["html"] = markdown_to_html(entry.text)  # bot answers are Markdown; nobody else's text is
    return frame


def error_frame(code: str, detail: str, ref: str | None = None) -> dict[str, Any]:
    """The protocol's ``error`` frame."""
    frame = {"type": "error", "code": code, "detail": detail}
    if ref:
        frame["ref"] = ref
    return frame


class Outbox:
    """Sends frames to one socket in the order they were put, from any task."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket
        self._queue: asyncio.Queue[dict[str, Any] | str | int] = asyncio.Queue()

    def put(self, frame: dict[str, Any] | str) -> None:
        """Queue a frame (or its JSON text, when one frame goes to many sockets); a client that
        stops reading is disconnected rather than buffered forever."""
        if self._queue.qsize() >= OUTBOX_LIMIT:
            logger.warning("outbox overflow; closing slow client")
            self.close(CLOSE_TOO_SLOW)
            return
        self._queue.put_nowait(frame)

    def close(self, code: int) -> None:
        """Close the socket with ``code`` once the frames queued before have been sent."""
        self._queue.put_nowait(code)

    async def run(self) -> None:
        """Write queued frames in order until a close is queued or the socket goes away."""
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while not isinstance(frame := await self._queue.get(), int):
                text = frame if isinstance(frame, str) else json.dumps(frame, separators=(",", ":"))
                await self._websocket.send_text(text)
            await self._websocket.close(code=frame)


async def read_frames(websocket: WebSocket, adapter: TypeAdapter[T], max_bytes: int) -> AsyncIterator[T | FrameError]:
    """Yield each inbound frame parsed, or the FrameError that explains why it was refused."""
    while True:
        try:
            message = await websocket.receive()
        except WebSocketDisconnect:
            return
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is None:
            yield FrameError("binary_not_supported", "send JSON text frames, not binary frames")
            continue
        try:
            yield parse_frame(adapter, message["text"], max_bytes)
        except FrameError as exc:
            yield exc


def _stream_order(entry_id: str) -> tuple[int, int]:
    """Redis stream ids ("<ms>-<seq>") in the order Redis gives them."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


class SessionFeed:
    """Delivers a session's transcript entries to one socket, in order and once each.

    A live ``message`` event carries its entry and the id of the entry before it. While events
    chain onto the last entry this feed sent, each goes out straight from the event, with no
    Redis read. When the chain breaks (an event was missed while the bus was reconnecting, or the
    feed is still catching up), the feed reads everything after its last entry from the
    transcript instead; ``resync`` (:meth:`poke`) and a slow poll do the same. So nothing is
    lost, nothing is sent twice, and the usual delivery costs no round trip.
    """

    def __init__(
        self,
        handoff: HandoffService,
        session_id: str,
        outbox: Outbox,
        *,
        include_internal: bool,
        last_sent: str | None,
    ) -> None:
        self._handoff = handoff
        self.session_id = session_id
        self._outbox = outbox
        self._include_internal = include_internal
        self.last_sent = last_sent
        self._reading = True  # a transcript read is due or under way: events only wake it
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run())
        self._wake.set()

    def offer(self, event: dict[str, Any]) -> None:
        """A live ``message`` event of this session: send it, or read the transcript if it does
        not follow the last entry sent (one was missed). Entries already sent are ignored."""
        if "entry" not in event:  # an event without its entry: read it
            self.poke()
        elif not self._reading and event.get("prev") == (self.last_sent or ""):
            self._send(event_entry(self.session_id, event))
        elif self.last_sent is None or _stream_order(event["id"]) > _stream_order(self.last_sent):
            self.poke()

    def poke(self) -> None:
        """Something may be new: read the transcript soon."""
        self._wake.set()

    def _send(self, entry: TranscriptEntry) -> None:
        if self._include_internal or not entry.internal:
            self._outbox.put(message_frame(entry))
        self.last_sent = entry.id

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):  # a lost event costs at most one poll period
                await asyncio.wait_for(self._wake.wait(), timeout=POLL_S)
            self._wake.clear()
            self._reading = True
            try:
                for entry in await self._handoff.transcript(self.session_id, after=self.last_sent):
                    self._send(entry)
            except Exception:  # Redis away: retry (a resync pokes too, once the bus is back)
                raise_if_cancelled()
                logger.warning("feed for a session failed; will retry", exc_info=True)
                await asyncio.sleep(0.5)
                self._wake.set()
                continue
            self._reading = False

    async def close(self) -> None:
        """Stop delivering."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


FrameHandler = Callable[[Any], Awaitable[bool]]


async def serve_frames(
    websocket: WebSocket,
    adapter: TypeAdapter[T],
    outbox: Outbox,
    limiter: RateLimiter,
    max_bytes: int,
    handle: FrameHandler,
) -> None:
    """Read frames until the socket closes (or ``handle`` returns False), answering every refusal.

    One place decides what each failure costs: a flood or a bad frame costs an ``error`` frame;
    a domain error, a rate limit or a Redis outage costs the frame, never the connection.
    """
    budget = limiter.frame_budget()
    async for frame in read_frames(websocket, adapter, max_bytes):
        # Every error about a frame that had a client_id echoes it, so the client knows which.
        ref = frame.ref if isinstance(frame, FrameError) else getattr(frame, "client_id", None)
        try:
            budget.hit()
        except RateLimited as exc:
            outbox.put(error_frame("rate_limited", str(exc), ref))
            continue
        if isinstance(frame, FrameError):
            outbox.put(error_frame(frame.code, frame.detail, ref))
            continue
        try:
            if not await handle(frame):
                return
        except FrameError as exc:
            outbox.put(error_frame(exc.code, exc.detail, ref))
        except (HandoffError, OutcomesError) as exc:
            outbox.put(error_frame(exc.code, str(exc), ref))
        except RateLimited as exc:
            outbox.put(error_frame("rate_limited", str(exc), ref))
        except RedisError:
            logger.warning("redis unavailable while handling a frame", exc_info=True)
            outbox.put(error_frame("unavailable", "we could not save that just now; please send it again", ref))
        except Exception:  # a bug must cost one frame, not the connection
            logger.exception("frame handling failed")
            outbox.put(error_frame("internal", "something went wrong; please try again", ref))
