"""objections: the public objection window (review_objections; the published shortlist)

Revision ID: b5e8d2f4a6c1
Revises: 8d4a2c6f1e93
Create Date: 2026-12-03 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b5e8d2f4a6c1"
down_revision: str | Sequence[str] | None = "8d4a2c6f1e93"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: a new table and
# nullable columns the older release does not read.
backward_compatible: bool = True


def upgrade() -> None:
    with op.batch_alter_table("review_cycles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_shortlist", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("shortlist_published_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("objections_close_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "review_objections",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("cycle_id", sa.String(length=36), nullable=False),
        sa.Column("proposal_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("subject_key", sa.LargeBinary(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=36), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("file_type", sa.String(length=50), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("file_content", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject_id"),
    )
    with op.batch_alter_table("review_objections", schema=None) as batch_op:
        for column in ("cycle_id", "proposal_id", "email", "status", "client"):
            batch_op.create_index(
                batch_op.f(f"ix_review_objections_{column}"), [column], unique=False
            )


def downgrade() -> None:
    with op.batch_alter_table("review_objections", schema=None) as batch_op:
        for column in ("client", "status", "email", "proposal_id", "cycle_id"):
            batch_op.drop_index(batch_op.f(f"ix_review_objections_{column}"))
    op.drop_table("review_objections")
    with op.batch_alter_table("review_cycles", schema=None) as batch_op:
        batch_op.drop_column("objections_close_at")
        batch_op.drop_column("shortlist_published_at")
        batch_op.drop_column("published_shortlist")
