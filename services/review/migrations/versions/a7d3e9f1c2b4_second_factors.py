"""second factors: TOTP secrets and hashed single-use recovery codes, per account

Revision ID: a7d3e9f1c2b4
Revises: f1a2b3c4d5e6
Create Date: 2026-12-03 07:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7d3e9f1c2b4"
down_revision: str | Sequence[str] | None = "f1a2b3c4d5e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: new tables only.
backward_compatible: bool = True


def upgrade() -> None:
    op.create_table(
        "review_second_factors",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["review_users.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "review_recovery_codes",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["review_users.id"]),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    with op.batch_alter_table("review_recovery_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_recovery_codes_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("review_recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_recovery_codes_user_id"))
    op.drop_table("review_recovery_codes")
    op.drop_table("review_second_factors")
