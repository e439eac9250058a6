"""The product the customer asked about, the agents' queue, and whether an offline ticket was left.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outcome_conversations") as table:
        table.add_column(sa.Column("product", sa.String(64), nullable=True))
        table.add_column(sa.Column("queue", sa.String(64), nullable=True))
        table.add_column(sa.Column("offline_ticket", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outcome_conversations") as table:
        for column in ("offline_ticket", "queue", "product"):
            table.drop_column(column)
