"""one agency, one innovation: a cycle's minimum and maximum per agency, and reminders sent

Revision ID: 7f2c5e9a1b48
Revises: 6a1d4f8e2c35
Create Date: 2026-12-03 09:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7f2c5e9a1b48"
down_revision: str | Sequence[str] | None = "6a1d4f8e2c35"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: a column with a server
# default, a nullable one, and a new table; the old code reads and writes none of them.
backward_compatible: bool = True


def upgrade() -> None:
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("min_per_agency", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("max_per_agency", sa.Integer(), nullable=True))
    op.create_table(
        "participation_reminders",
        sa.Column("cycle_id", sa.String(length=100), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("cycle_id", "agency_id"),
    )


def downgrade() -> None:
    op.drop_table("participation_reminders")
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.drop_column("max_per_agency")
        batch_op.drop_column("min_per_agency")
