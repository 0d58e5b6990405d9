"""appointments: finalists' presentations and field visits; a cycle's field verification stage

Revision ID: b9e4c2d7a815
Revises: a7d3e9f1c2b4
Create Date: 2026-12-03 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b9e4c2d7a815"
down_revision: str | Sequence[str] | None = "a7d3e9f1c2b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: a new table, and a new
# column with a server default that the release before never writes.
backward_compatible: bool = True


def upgrade() -> None:
    with op.batch_alter_table("review_cycles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("field_verification", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "review_appointments",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("proposal_id", sa.String(length=36), nullable=False),
        sa.Column("cycle_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("place", sa.Text(), nullable=True),
        sa.Column("online_url", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("team", sa.JSON(), nullable=False),
        sa.Column("scheduled_by", sa.String(length=36), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_revision", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["proposal_id"], ["review_proposals.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proposal_id", "kind", name="uq_review_appointments_kind"),
    )
    with op.batch_alter_table("review_appointments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_appointments_starts_at"), ["starts_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("review_appointments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_appointments_starts_at"))
    op.drop_table("review_appointments")
    with op.batch_alter_table("review_cycles", schema=None) as batch_op:
        batch_op.drop_column("field_verification")
