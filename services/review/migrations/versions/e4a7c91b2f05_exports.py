"""exports: the secretariat's CSV exports built in the background (review_exports)

Revision ID: e4a7c91b2f05
Revises: 7c2f4e1a9b30
Create Date: 2026-12-02 16:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4a7c91b2f05"
down_revision: str | Sequence[str] | None = "7c2f4e1a9b30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: a new table.
backward_compatible: bool = True


def upgrade() -> None:
    op.create_table(
        "review_exports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("cycle_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=36), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review_exports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_exports_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_review_exports_requested_at"), ["requested_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("review_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_exports_requested_at"))
        batch_op.drop_index(batch_op.f("ix_review_exports_status"))
    op.drop_table("review_exports")
