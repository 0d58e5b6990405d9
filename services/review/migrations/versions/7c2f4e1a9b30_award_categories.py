"""award categories: a cycle's categories and placement rule, a proposal's category and agency type

Revision ID: 7c2f4e1a9b30
Revises: b163a3958ff3
Create Date: 2026-12-02 15:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c2f4e1a9b30"
down_revision: str | Sequence[str] | None = "b163a3958ff3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: new columns with
# server defaults (or nullable) that the old code neither reads nor has to write.
backward_compatible: bool = True


def upgrade() -> None:
    with op.batch_alter_table("review_cycles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("categories", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("category_by", sa.String(length=10), nullable=False, server_default="profile")
        )
    with op.batch_alter_table("review_proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("award_category", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("agency_type", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("review_proposals", schema=None) as batch_op:
        batch_op.drop_column("agency_type")
        batch_op.drop_column("award_category")
    with op.batch_alter_table("review_cycles", schema=None) as batch_op:
        batch_op.drop_column("category_by")
        batch_op.drop_column("categories")
