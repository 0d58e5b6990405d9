"""session expiry: API tokens and UI sessions get a kind and an expiry (review_api_tokens)

Tokens issued before this revision had neither and never expired: they are ended
here (everyone logs in again once), rather than given an expiry they never had.

Revision ID: 5b1c0e7a9d42
Revises: ade79cdc26d0
Create Date: 2026-12-01 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5b1c0e7a9d42"
down_revision: str | Sequence[str] | None = "ade79cdc26d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Contract: required columns the release before does not write.
backward_compatible: bool = False


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM review_api_tokens"))
    with op.batch_alter_table("review_api_tokens", schema=None, recreate="always") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=10), nullable=False))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False))
        batch_op.create_index(batch_op.f("ix_review_api_tokens_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review_api_tokens", schema=None, recreate="always") as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_api_tokens_user_id"))
        batch_op.drop_column("expires_at")
        batch_op.drop_column("kind")
