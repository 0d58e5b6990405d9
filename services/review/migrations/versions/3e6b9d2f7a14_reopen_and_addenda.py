"""reopen and addenda: the stage a withdrawal left, and evidence added after submission

Revision ID: 3e6b9d2f7a14
Revises: b9e4c2d7a815
Create Date: 2026-12-03 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3e6b9d2f7a14"
down_revision: str | Sequence[str] | None = "b9e4c2d7a815"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: a nullable column and
# a column with a server default, neither read nor written by the old code.
backward_compatible: bool = True


def upgrade() -> None:
    with op.batch_alter_table("review_proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_from", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("addenda", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("review_proposals", schema=None) as batch_op:
        batch_op.drop_column("addenda")
        batch_op.drop_column("withdrawn_from")
