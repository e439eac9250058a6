"""A real Redis for the handoff tests (the machine's, or an embedded one), flushed per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from redis.asyncio import Redis

from handoff import HandoffService, LiveBus, PresenceRegistry
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


@pytest.fixture
def bus(redis: Redis) -> LiveBus:
    return LiveBus(redis)


@pytest.fixture
def presence(redis: Redis, bus: LiveBus) -> PresenceRegistry:
    return PresenceRegistry(redis, bus, ttl_s=30)


@pytest.fixture
def handoff(redis: Redis, bus: LiveBus, presence: PresenceRegistry) -> HandoffService:
    return HandoffService(redis, bus, presence)
