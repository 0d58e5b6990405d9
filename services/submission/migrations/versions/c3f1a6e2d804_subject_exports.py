"""subject exports

An access request (export) and the parts the other services answer with
(``review.subject_exported``, ``notification.subject_exported``), assembled on request.

Revision ID: c3f1a6e2d804
Revises: a3f9c2e1d470
Create Date: 2026-12-03 06:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3f1a6e2d804"
down_revision: str | Sequence[str] | None = "a3f9c2e1d470"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: new tables it never reads.
backward_compatible: bool = True


def upgrade() -> None:
    op.create_table(
        "subject_exports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("subject_ids", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "subject_export_parts",
        sa.Column("export_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=True),
        sa.Column("part", sa.JSON(), nullable=True),
        sa.Column("unreadable", sa.Boolean(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("export_id", "source", "subject_id"),
    )


def downgrade() -> None:
    op.drop_table("subject_export_parts")
    op.drop_table("subject_exports")
