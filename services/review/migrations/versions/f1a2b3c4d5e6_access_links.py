"""access links: single-use invitation and password-reset links (hashed), per account

Revision ID: f1a2b3c4d5e6
Revises: c8e2f6a4b913
Create Date: 2026-12-03 06:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1a2b3c4d5e6"
down_revision: str | Sequence[str] | None = "c8e2f6a4b913"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: a new table only.
backward_compatible: bool = True


def upgrade() -> None:
    op.create_table(
        "review_access_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["review_users.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("review_access_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_access_links_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("review_access_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_access_links_user_id"))
    op.drop_table("review_access_links")
