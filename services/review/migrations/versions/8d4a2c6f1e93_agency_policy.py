"""one agency, one innovation: a cycle's minimum and maximum proposals per agency

Revision ID: 8d4a2c6f1e93
Revises: 3e6b9d2f7a14
Create Date: 2026-12-03 09:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d4a2c6f1e93"
down_revision: str | Sequence[str] | None = "3e6b9d2f7a14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: a column with a server
# default and a nullable one, neither read nor written by the old code.
backward_compatible: bool = True


def upgrade() -> None:
    with op.batch_alter_table("review_cycles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("min_per_agency", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("max_per_agency", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_cycles", schema=None) as batch_op:
        batch_op.drop_column("max_per_agency")
        batch_op.drop_column("min_per_agency")
