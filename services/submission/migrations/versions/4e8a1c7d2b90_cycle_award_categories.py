"""cycle award categories: the categories announced with a cycle, and how one is chosen

Revision ID: 4e8a1c7d2b90
Revises: 7d1e5a3c9b20
Create Date: 2026-12-02 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4e8a1c7d2b90"
down_revision: str | Sequence[str] | None = "7d1e5a3c9b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: two columns with
# server defaults that the old code neither reads nor has to write.
backward_compatible: bool = True


def upgrade() -> None:
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("categories", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("category_by", sa.String(length=10), nullable=False, server_default="profile")
        )


def downgrade() -> None:
    with op.batch_alter_table("cycles", schema=None) as batch_op:
        batch_op.drop_column("category_by")
        batch_op.drop_column("categories")
