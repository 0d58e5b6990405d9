"""whatsapp and the channel policy

WhatsApp deliveries keep their template's parameters and the SMS to send
instead; instant messages a digest of their text (the dedupe window) and a
note of what the policy did; a fallback SMS the WhatsApp delivery it replaces.
Preferences gain the preferred instant channel. ``instant_locks`` serialises
the recording of instant messages per phone number.

Revision ID: c41f7a9e2b10
Revises: a98acb6b0ded
Create Date: 2026-12-02 11:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c41f7a9e2b10"
down_revision: str | Sequence[str] | None = "a98acb6b0ded"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: nullable columns and a
# new table; the release before neither claims WhatsApp deliveries nor reads the new columns.
backward_compatible: bool = True


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template_parameters", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("fallback_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("text_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("fallback_of", sa.String(length=36), nullable=True))
    with op.batch_alter_table("preferences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("instant", sa.String(length=10), nullable=True))
    op.create_table(
        "instant_locks",
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("touched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("recipient"),
    )


def downgrade() -> None:
    op.drop_table("instant_locks")
    with op.batch_alter_table("preferences", schema=None) as batch_op:
        batch_op.drop_column("instant")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("fallback_of")
        batch_op.drop_column("note")
        batch_op.drop_column("text_key")
        batch_op.drop_column("fallback_text")
        batch_op.drop_column("template_parameters")
