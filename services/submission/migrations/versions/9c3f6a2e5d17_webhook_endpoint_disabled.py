"""webhook endpoint disabled: when and why the notification service stopped sending

Revision ID: 9c3f6a2e5d17
Revises: c3f1a6e2d804
Create Date: 2026-12-03 06:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c3f6a2e5d17"
down_revision: str | Sequence[str] | None = "c3f1a6e2d804"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Expand: two nullable columns the release before neither reads nor has to write.
backward_compatible: bool = True


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("disabled_reason", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_column("disabled_reason")
        batch_op.drop_column("disabled_at")
