"""claim token: fence a delivery's claim

Every claim writes a new token; the claiming sender's hand-over and outcome
ask for it, so a sender whose lease ran out and whose delivery another sender
claimed cannot send it or overwrite the new owner's outcome. A row claimed
before this revision has no token; it is finished (presumed sent) under none.

Revision ID: a98acb6b0ded
Revises: e8435448a2ce
Create Date: 2026-12-01 07:11:18.280295
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a98acb6b0ded"
down_revision: str | Sequence[str] | None = "e8435448a2ce"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? The release before would claim deliveries without the fence.
backward_compatible: bool = False


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_token", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("claim_token")
