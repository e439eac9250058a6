"""Rate limits shared by every gateway (the ``limits`` library, counters in Redis).

Limits are per customer session, per client IP and per staff login IP; the strings are ``limits``
notation (``"30/minute"``) and live in Settings so a deployment can change them. The frame flood
limit is per socket, so it is kept in the socket's own :class:`FrameBudget`, with no I/O.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import deque
from collections.abc import Callable

from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from bot.core.config import RateLimitSettings

logger = logging.getLogger(__name__)


class RateLimited(Exception):
    """Too many requests; the message says which limit and when to try again."""

    def __init__(self, what: str, limit: RateLimitItem) -> None:
        super().__init__(f"too many {what}: the limit is {limit}; slow down and try again shortly")


class RateLimiter:
    """One per process; the counters are in Redis, so every gateway enforces the same budget."""

    def __init__(self, redis_url: str, settings: RateLimitSettings, pseudonym_key: str = "") -> None:
        """``pseudonym_key`` keys the hash that stands for a client address in counter names, so
        Redis never holds an IP address (personal data) and nobody can list them back."""
        self._pseudonym_key = hashlib.sha256(pseudonym_key.encode()).digest()
        storage_url = redis_url.replace("redis://", "async+redis://", 1).replace("rediss://", "async+rediss://", 1)
        self._limiter = SlidingWindowCounterRateLimiter(RedisStorage(storage_url, implementation="redispy"))
        self._message_session = parse(settings.messages_per_session)
        self._message_ip = parse(settings.messages_per_ip)
        self._session_ip = parse(settings.sessions_per_ip)
        self._login_ip = parse(settings.logins_per_ip)
        self._frame_limit = parse(settings.frames_per_connection)

    async def customer_message(self, session_id: str, ip: str) -> None:
        """Count one customer message; raise RateLimited over the session's or the IP's budget.

        Both counters are hit at once (one round trip of latency, not two), so a message refused
        for one budget still counts against the other.
        """
        await asyncio.gather(
            self._hit(self._message_session, "messages in this conversation", "msg-session", session_id),
            self._hit(self._message_ip, "messages from your network", "msg-ip", self._pseudonym(ip)),
        )

    async def new_session(self, ip: str) -> None:
        """Count one new conversation from ``ip``."""
        await self._hit(self._session_ip, "new conversations from your network", "session-ip", self._pseudonym(ip))

    async def login(self, ip: str) -> None:
        """Count one staff login attempt from ``ip`` (slows password guessing)."""
        await self._hit(self._login_ip, "login attempts", "login-ip", self._pseudonym(ip))

    def _pseudonym(self, ip: str) -> str:
        return hashlib.blake2b(ip.encode(), key=self._pseudonym_key, digest_size=12).hexdigest()

    def frame_budget(self) -> FrameBudget:
        """A new socket's allowance of inbound frames."""
        return FrameBudget(self._frame_limit)

    async def _hit(self, limit: RateLimitItem, what: str, *identifiers: str) -> None:
        """Fails open: while Redis is unreachable nobody is limited, and no message is refused for it."""
        try:
            allowed = await self._limiter.hit(limit, "tandem", *identifiers)
        except Exception:
            logger.warning("rate-limit storage unavailable; allowing the request", exc_info=True)
            return
        if not allowed:
            raise RateLimited(what, limit)


class FrameBudget:
    """One socket's inbound frames in a moving window (``limits`` notation, e.g. 40/5seconds).

    Judged per socket, so the times live with the socket: a deque, no storage, no I/O.
    """

    def __init__(self, limit: RateLimitItem, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._window_s = float(limit.get_expiry())
        self._times: deque[float] = deque()
        self._clock = clock

    def hit(self) -> None:
        """Count one frame; raise RateLimited (without counting it) when the window is full."""
        now = self._clock()
        while self._times and self._times[0] <= now - self._window_s:
            self._times.popleft()
        if len(self._times) >= self._limit.amount:
            raise RateLimited("frames on this connection", self._limit)
        self._times.append(now)
