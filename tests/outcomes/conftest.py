"""Outcome stores on SQLite and PostgreSQL (every storage test runs on both), migrated to head."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from outcomes import OutcomeRecorder
from tests.sql import sql_engine


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    yield from sql_engine(request.param, tmp_path)


def mark_redacted(text: str) -> str:
    """A stand-in redactor that shows where redaction was applied (the real one is tested in tests/privacy)."""
    return text.replace("secret", "[REDACTED]")


@pytest.fixture
def recorder(engine: Engine) -> OutcomeRecorder:
    recorder = OutcomeRecorder(engine, redact=mark_redacted)
    recorder.create_schema()
    return recorder
