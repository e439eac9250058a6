"""Alembic environment: runs the revisions on a connection the caller passes, or on the settings' URL.

``outcomes.schema.migrate(engine)`` passes its connection in ``config.attributes["connection"]``;
the ``alembic`` command line has none, so the database comes from ``TANDEM_DATABASE_URL``
(via the gateway's settings). Only the tables of ``target_metadata`` are compared when
autogenerating, so the other packages' tables in the same database are left alone.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, create_engine

from desk.canned import DeskBase
from learning.models import LearningBase
from outcomes.models import OutcomesBase
from webhooks.models import WebhooksBase

config = context.config
# The packages whose tables migrate here.
target_metadata = [OutcomesBase.metadata, DeskBase.metadata, WebhooksBase.metadata, LearningBase.metadata]


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """Compare only our own tables (other packages share the database)."""
    return type_ != "table" or any(name in metadata.tables for metadata in target_metadata)


def run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, include_name=include_name,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def database_url() -> str:
    from bot.core.config import get_settings  # only the command line needs the settings

    return get_settings().database_url


given: Connection | None = config.attributes.get("connection")
if given is not None:
    run(given)
else:
    engine = create_engine(database_url())
    with engine.connect() as connection:
        run(connection)
    engine.dispose()
