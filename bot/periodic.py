"""Jobs the gateways run on a timer, one gateway at a time: a Redis lock that expires with the
interval elects whichever gateway takes it first in each round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from background import raise_if_cancelled

logger = logging.getLogger(__name__)


async def run_every(redis: Redis, lock: str, interval_s: float, job: Callable[[], Awaitable[object]],
                    name: str) -> None:
    """Run ``job`` every ``interval_s`` seconds while holding ``lock``; a failure is logged, not fatal."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            if await redis.set(lock, "1", nx=True, ex=max(1, int(interval_s))):
                await job()
        except Exception:
            raise_if_cancelled()
            logger.exception("%s failed", name)
