"""Webhook stores on SQLite and PostgreSQL (every storage test runs on both), and a real Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import Engine

from tests.sql import sql_engine
from tests.support.system import test_redis_url
from webhooks import DeliveryLog, EndpointStore


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from sql_engine(request.param, tmp_path)


@pytest.fixture
def endpoints(engine: Engine) -> EndpointStore:
    store = EndpointStore(engine)
    store.create_schema()
    return store


@pytest.fixture
def log(engine: Engine, endpoints: EndpointStore) -> DeliveryLog:
    return DeliveryLog(engine)


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
