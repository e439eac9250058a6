"""The desk's store on SQLite and PostgreSQL (every storage test runs on both), migrated to head."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from desk import CannedStore
from outcomes import migrate
from tests.sql import sql_engine


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from sql_engine(request.param, tmp_path)


@pytest.fixture
def canned(engine: Engine) -> CannedStore:
    migrate(engine)  # the desk's table is made by the same migrations as the outcome tables
    return CannedStore(engine)
