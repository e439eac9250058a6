"""Brings the outcome tables to the newest Alembic revision (``migrations/``).

Called by the gateway at startup and by tests. A database made before migrations existed (the
tables are there but Alembic's version table is not) is stamped at revision 0001 first, so the
later revisions apply to it instead of failing on "table already exists". On PostgreSQL an
advisory lock lets several gateways start at once.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"
SKELETON_REVISION = "0001"
_PG_LOCK_KEY = 7_406_220_001  # any constant shared by every gateway


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's config for ``migrations/``, bound to ``connection`` when given."""
    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision in ``migrations/versions``."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, f"no migrations in {MIGRATIONS_DIR}"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None before the first migration)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the outcome tables to ``revision``; a no-op when they are already there."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        config = alembic_config(connection)
        if _predates_migrations(connection):
            command.stamp(config, SKELETON_REVISION)
        command.upgrade(config, revision)


def _predates_migrations(connection: Connection) -> bool:
    tables = set(inspect(connection).get_table_names())
    return "outcome_conversations" in tables and "alembic_version" not in tables
