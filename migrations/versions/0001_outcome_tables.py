"""The outcome tables as the walking skeleton created them.

Databases created before migrations existed already have these tables; ``outcomes.schema``
stamps them at this revision instead of creating them again.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outcome_conversations",
        sa.Column("session_id", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_by", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("escalation_reason", sa.String(32), nullable=True),
        sa.Column("articles", sa.JSON(), nullable=False),
        sa.Column("customer_messages", sa.Integer(), nullable=False),
        sa.Column("first_response_s", sa.Float(), nullable=True),
        sa.Column("queue_wait_s", sa.Float(), nullable=True),
        sa.Column("first_agent_reply_s", sa.Float(), nullable=True),
        sa.Column("handling_s", sa.Float(), nullable=True),
        sa.Column("agent_id", sa.String(64), nullable=True),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("csat_comment", sa.Text(), nullable=True),
    )
    for column in ("started_at", "ended_at", "outcome"):
        op.create_index(f"ix_outcome_conversations_{column}", "outcome_conversations", [column])
    op.create_table(
        "outcome_messages",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(64),
                  sa.ForeignKey("outcome_conversations.session_id", ondelete="CASCADE"), nullable=False),
        sa.Column("message_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_outcome_messages_session_id", "outcome_messages", ["session_id"])


def downgrade() -> None:
    op.drop_table("outcome_messages")
    op.drop_table("outcome_conversations")
