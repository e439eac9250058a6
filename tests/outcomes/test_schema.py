"""The Alembic migrations create exactly the models' tables, and upgrade a database made before them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, inspect, text

from desk import DeskBase
from learning.models import LearningBase
from outcomes import migrate
from outcomes.models import OutcomesBase
from outcomes.schema import current_revision, head_revision
from webhooks.models import WebhooksBase

pytestmark = pytest.mark.integration


def migrated_tables() -> MetaData:
    """Every table the migrations own: the outcome tables, the desk's, the webhooks' and the learning loop's."""
    combined = MetaData()
    for metadata in (OutcomesBase.metadata, DeskBase.metadata, WebhooksBase.metadata, LearningBase.metadata):
        for table in metadata.tables.values():
            table.to_metadata(combined)
    return combined


def test_migrations_build_the_schema_the_models_describe(engine: Engine) -> None:
    migrate(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, migrated_tables()) == []


def test_migrating_twice_changes_nothing(engine: Engine) -> None:
    migrate(engine)
    migrate(engine)
    assert current_revision(engine) == head_revision()


def test_a_database_from_before_migrations_is_upgraded_keeping_its_rows(engine: Engine) -> None:
    migrate(engine, "0001")  # the walking skeleton's tables...
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))  # ...made by create_all, with no version table
        connection.execute(text(
            "INSERT INTO outcome_conversations (session_id, channel, started_at, ended_at, ended_by, outcome, "
            "articles, customer_messages) VALUES ('old', 'web', :t, :t, 'customer', 'abandoned', '[]', 0)"),
            {"t": datetime(2026, 1, 1, tzinfo=UTC)})
    migrate(engine)
    assert current_revision(engine) == head_revision()
    columns = {c["name"] for c in inspect(engine).get_columns("outcome_conversations")}
    assert {"bot_response_times", "escalation_question", "erased_at"} <= columns
    with engine.connect() as connection:
        assert connection.execute(text("SELECT outcome FROM outcome_conversations")).scalar_one() == "abandoned"
