"""retention

The lease of periodic jobs (one worker at a time) and the proposals the retention job
has applied to (docs/PRIVACY.md: Retention).

Revision ID: 5b7e2d9a4c61
Revises: 9c3f6a2e5d17
Create Date: 2026-12-03 07:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b7e2d9a4c61"
down_revision: str | Sequence[str] | None = "9c3f6a2e5d17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: new tables it never reads.
backward_compatible: bool = True


def upgrade() -> None:
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "retention_applied",
        sa.Column("proposal_id", sa.String(length=36), nullable=False),
        sa.Column("cycle_id", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("proposal_id"),
    )


def downgrade() -> None:
    op.drop_table("retention_applied")
    op.drop_table("job_leases")
