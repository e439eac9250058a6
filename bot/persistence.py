"""Redis persistence rewritten soon after personal data leaves Redis.

Redis's append-only file (and snapshot) keep every value a key ever held until Redis rewrites
them: a closed chat whose transcript was redacted, or an erased conversation, would otherwise live
on in ``appendonly.aof`` until Redis's own schedule. So whatever removes personal data from Redis
(the close, an erasure, the retention job) asks the :class:`PersistenceCompactor` for a rewrite.

A rewrite copies the whole data set, and Redis runs one at a time: one that is already running
copied the data as it was when it began, so it does not count. Requests therefore coalesce: the
compactor waits until Redis is not rewriting, starts one rewrite that covers every request made
before it, and then rests ``min_interval_s`` before the next. A managed Redis that refuses these
commands (ACLs) is left to its own schedule, with a log line saying so.
"""

from __future__ import annotations

import asyncio
import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

from background import raise_if_cancelled

logger = logging.getLogger(__name__)
BUSY_FIELDS = ("aof_rewrite_in_progress", "rdb_bgsave_in_progress")
POLL_S = 0.2
MAX_WAIT_S = 600.0  # a rewrite longer than this is Redis's problem; ours starts anyway (and is refused)


class PersistenceCompactor:
    """Coalesced rewrites of Redis persistence; :meth:`request` is cheap, :meth:`run` does the work."""

    def __init__(self, redis: Redis, min_interval_s: float = 10.0) -> None:
        self._redis = redis
        self._min_interval_s = min_interval_s
        self._wanted = asyncio.Event()
        self.rewrites = 0  # how many rewrites this compactor started (for tests and logs)

    def request(self) -> None:
        """Ask for a rewrite that starts after this call (personal data just left Redis)."""
        self._wanted.set()

    async def run(self) -> None:
        """Serve requests until cancelled (a gateway's background task)."""
        while True:
            await self._wanted.wait()
            self._wanted.clear()
            await self.compact_now()
            await asyncio.sleep(self._min_interval_s)

    async def compact_now(self) -> None:
        """Wait until Redis is not rewriting, then rewrite the append-only file and the snapshot
        (whichever Redis keeps); errors are logged, not raised."""
        try:
            await self._until_idle()
            if (await self._redis.config_get("appendonly")).get("appendonly") == "yes":
                await self._redis.bgrewriteaof()
            if (await self._redis.config_get("save")).get("save"):
                await self._redis.bgsave(schedule=True)
            self.rewrites += 1
        except RedisError as error:  # ACLs, or another gateway's rewrite began after ours was due (it covers ours)
            raise_if_cancelled()
            logger.info("redis persistence not compacted: %s", error)

    async def _until_idle(self) -> None:
        deadline = time.monotonic() + MAX_WAIT_S
        while time.monotonic() < deadline:
            info = await self._redis.info("persistence")
            if not any(int(info.get(field, 0)) for field in BUSY_FIELDS):
                return
            await asyncio.sleep(POLL_S)
