"""send rates: one limit for every replica

A token bucket row per channel (``send_rates``): the senders of every worker replica take
their tokens from it, so a channel's rate limit holds for the deployment, not per process.

Revision ID: f3b9d2c4a6e1
Revises: c41f7a9e2b10
Create Date: 2026-12-02 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f3b9d2c4a6e1"
down_revision: str | Sequence[str] | None = "c41f7a9e2b10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: a new table the release
# before never reads (its senders keep their per-process limit meanwhile).
backward_compatible: bool = True


def upgrade() -> None:
    op.create_table(
        "send_rates",
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("channel"),
    )


def downgrade() -> None:
    op.drop_table("send_rates")
