"""subject keys

One key per data subject (innovator), with which the personal fields of
``proposal.submitted`` v2 are sealed; erasure empties the row (crypto-shredding).

Revision ID: 7d2e4c1a9b30
Revises: 382eaa3791f0
Create Date: 2026-12-02 15:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d2e4c1a9b30"
down_revision: str | Sequence[str] | None = "382eaa3791f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: a new table it never reads.
backward_compatible: bool = True


def upgrade() -> None:
    op.create_table(
        "subjects",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("key", sa.LargeBinary(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )


def downgrade() -> None:
    op.drop_table("subjects")
