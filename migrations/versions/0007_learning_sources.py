"""The learning loop records which texts each conversation brought to a proposal or gap, and when, so an
erasure request and the retention period can take them out again (learning/kept.py).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("learning_proposals", sa.Column("sources", sa.JSON(), nullable=True))
    op.add_column("learning_gaps", sa.Column("sources", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("learning_gaps", "sources")
    op.drop_column("learning_proposals", "sources")
