"""Simulated times: with ``simulated_times`` on, the closer places a record at the start time a
benchmark put in Redis, keeping every duration as measured; with it off, that key is ignored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import create_engine

from bot.closing import SIMULATED_START, ConversationCloser
from handoff import HandoffService, LiveBus, PresenceRegistry, Role
from outcomes import OutcomeRecorder, Period, summarize
from tests.support import system as support

pytestmark = pytest.mark.integration
SIMULATED = datetime(2026, 10, 7, 3, 30, tzinfo=UTC)


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    url, embedded = support.test_redis_url(offset=2)
    client = Redis.from_url(url, decode_responses=True)
    await client.flushdb()
    yield client
    await client.aclose()
    if embedded:
        embedded.stop()


@pytest.mark.parametrize("simulated_times", [True, False])
async def test_a_benchmark_session_is_recorded_at_its_simulated_start(redis: Redis, tmp_path: Path,
                                                                      simulated_times: bool) -> None:
    bus = LiveBus(redis)
    handoff = HandoffService(redis, bus, PresenceRegistry(redis, bus, ttl_s=30))
    engine = create_engine(f"sqlite:///{tmp_path / 'outcomes.db'}")
    recorder = OutcomeRecorder(engine)
    recorder.create_schema()
    closer = ConversationCloser(handoff, recorder, bus, redis, simulated_times=simulated_times)

    session = await handoff.start_session()
    await redis.set(SIMULATED_START.format(session_id=session.session_id), repr(SIMULATED.timestamp()))
    await handoff.append(session.session_id, Role.CUSTOMER, "How do I reset my hub?")
    await handoff.append(session.session_id, Role.BOT, "Hold the button for 10 seconds.")
    record = await closer.close(session.session_id, "customer")

    started = record.started_at.astimezone(UTC)
    if simulated_times:
        assert started == SIMULATED
        assert summarize(engine, Period(SIMULATED, SIMULATED + timedelta(hours=1))).conversations == 1
    else:
        assert abs((started - datetime.now(UTC)).total_seconds()) < 60
    assert record.first_response_s is not None and 0 <= record.first_response_s < 5  # measured, not shifted
