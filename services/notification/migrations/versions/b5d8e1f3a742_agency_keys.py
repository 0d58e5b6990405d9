"""agency keys

The agencies' API keys as hashes (projected from agency.api_key_changed): a portal reads
its webhook deliveries with its agency's key.

Revision ID: b5d8e1f3a742
Revises: f2b7c9d41a60
Create Date: 2026-12-03 06:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b5d8e1f3a742"
down_revision: str | Sequence[str] | None = "f2b7c9d41a60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Expand: a new table the release before never reads.
backward_compatible: bool = True


def upgrade() -> None:
    op.create_table(
        "agency_keys",
        sa.Column("key_id", sa.String(length=36), nullable=False),
        sa.Column("agency_id", sa.String(length=36), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_id"),
    )
    op.create_index("ix_agency_keys_prefix", "agency_keys", ["prefix"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_agency_keys_prefix", table_name="agency_keys")
    op.drop_table("agency_keys")
