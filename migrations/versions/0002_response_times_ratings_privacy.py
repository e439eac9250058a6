"""Every response time, the escalated question, rating time, agent name, and privacy markers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outcome_conversations") as table:
        table.add_column(sa.Column("agent_name", sa.String(128), nullable=True))
        table.add_column(sa.Column("bot_response_times", sa.JSON(), nullable=False, server_default="[]"))
        table.add_column(sa.Column("agent_response_times", sa.JSON(), nullable=False, server_default="[]"))
        table.add_column(sa.Column("escalation_question", sa.Text(), nullable=True))
        table.add_column(sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("transcript_purged_at", sa.DateTime(timezone=True), nullable=True))
        table.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outcome_messages") as table:
        table.add_column(sa.Column("internal", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outcome_messages") as table:
        table.drop_column("internal")
    with op.batch_alter_table("outcome_conversations") as table:
        for column in ("erased_at", "transcript_purged_at", "rated_at", "escalation_question",
                       "agent_response_times", "bot_response_times", "agent_name"):
            table.drop_column(column)
