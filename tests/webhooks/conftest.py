"""Webhook stores on SQLite and PostgreSQL (every storage test runs on both), and a real Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.sql import sql_engine
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
