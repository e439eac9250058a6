"""The agent's desk: canned responses as data; labels and the articles agents answered from, on the outcome.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desk_canned_responses",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("shortcut", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("shortcut"),
    )
    with op.batch_alter_table("outcome_conversations") as table:
        table.add_column(sa.Column("labels", sa.JSON(), nullable=True))
        table.add_column(sa.Column("agent_article_ids", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outcome_conversations") as table:
        for column in ("agent_article_ids", "labels"):
            table.drop_column(column)
    op.drop_table("desk_canned_responses")
