"""webhook endpoints

The agencies' webhook endpoints (projected from webhook.endpoint_changed) and the
agency of each projected proposal (whose endpoints hear about it).

Revision ID: f2b7c9d41a60
Revises: f3b9d2c4a6e1
Create Date: 2026-12-02 15:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f2b7c9d41a60"
down_revision: str | Sequence[str] | None = "f3b9d2c4a6e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Expand: a nullable column and a new table; the release before reads neither.
backward_compatible: bool = True


def upgrade() -> None:
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agency_id", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_proposals_agency_id", ["agency_id"], unique=False)
    op.create_table(
        "webhook_endpoints",
        sa.Column("endpoint_id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("previous_valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("endpoint_id"),
    )
    op.create_index(
        "ix_webhook_endpoints_agency_id", "webhook_endpoints", ["agency_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_endpoints_agency_id", table_name="webhook_endpoints")
    op.drop_table("webhook_endpoints")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index("ix_proposals_agency_id")
        batch_op.drop_column("agency_id")
