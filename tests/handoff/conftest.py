"""The handoff tests' services over the run's own Redis database, flushed per test (tests/support/redis_fixtures.py)."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from handoff import HandoffService, LiveBus, PresenceRegistry


@pytest.fixture
def bus(redis: Redis) -> LiveBus:
    return LiveBus(redis)


@pytest.fixture
def presence(redis: Redis, bus: LiveBus) -> PresenceRegistry:
    return PresenceRegistry(redis, bus, ttl_s=30)


@pytest.fixture
def handoff(redis: Redis, bus: LiveBus, presence: PresenceRegistry) -> HandoffService:
    return HandoffService(redis, bus, presence)
