"""pending erasures

Erasures announced to the person by email first (ERASURE_NOTICE_HOURS): the subject is
erased when the notice period is over (docs/PRIVACY.md: Erasure).

Revision ID: 8e4b1f6c2d37
Revises: 5b7e2d9a4c61
Create Date: 2026-12-03 07:25:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8e4b1f6c2d37"
down_revision: str | Sequence[str] | None = "5b7e2d9a4c61"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: a new table it never reads.
backward_compatible: bool = True


def upgrade() -> None:
    op.create_table(
        "pending_erasures",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("subject_id"),
    )
    op.create_index("ix_pending_erasures_due_at", "pending_erasures", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_pending_erasures_due_at", table_name="pending_erasures")
    op.drop_table("pending_erasures")
