"""assignments keep the reviewer's id: a scheduled presentation or visit names its panel
reviewers by id only, and this service finds how to reach them here

Revision ID: c7a3e5f9b214
Revises: 6d1c8e3f2a95
Create Date: 2026-12-03 09:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7a3e5f9b214"
down_revision: str | Sequence[str] | None = "6d1c8e3f2a95"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: a nullable column it
# never reads or writes (its assignments have no reviewer id: no schedule reaches them).
backward_compatible: bool = True


def upgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reviewer_id", sa.String(length=36), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_assignments_reviewer_id"), ["reviewer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_reviewer_id"))
        batch_op.drop_column("reviewer_id")
