"""agency registry and declared conflicts: review_agencies (the submission service's
register as announced) and review_conflicts (what reviewers declared)

Revision ID: c8e2f6a4b913
Revises: e4a7c91b2f05
Create Date: 2026-12-03 06:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c8e2f6a4b913"
down_revision: str | Sequence[str] | None = "e4a7c91b2f05"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: two new tables.
backward_compatible: bool = True


def upgrade() -> None:
    op.create_table(
        "review_agencies",
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("parent_code", sa.String(length=50), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "review_conflicts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reviewer_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=50), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["reviewer_id"], ["review_users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reviewer_id", "kind", "target", name="uq_review_conflicts_target"),
    )
    with op.batch_alter_table("review_conflicts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_conflicts_reviewer_id"), ["reviewer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("review_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_conflicts_reviewer_id"))
    op.drop_table("review_conflicts")
    op.drop_table("review_agencies")
