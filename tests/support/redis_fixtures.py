"""A real Redis database of the test run's own, flushed before each test, for suites that talk to Redis directly.

A conftest takes both fixtures with ``from tests.support.redis_fixtures import redis, redis_url``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from tests.support.system import test_redis_url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    url, embedded = test_redis_url(offset=1)
    yield url
    if embedded:
        embedded.stop()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url, decode_responses=True)
    await client.flushdb()
    yield client
    await client.aclose()
