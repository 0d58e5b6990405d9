"""person erasures: a person-wide erasure announced first is kept until it is due

``review_person_erasures`` holds the keyed hashes and due time of each pending
``person.erasure_requested``, so that the review worker matches the person again when the
notice period is over and erases the objections they filed meanwhile too (docs/PRIVACY.md:
A person-wide request reaches objectors). A row is deleted once carried out.

Revision ID: d9b3f6a2c4e8
Revises: c7a4e2f9d1b6
Create Date: 2026-12-04 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d9b3f6a2c4e8"
down_revision: str | Sequence[str] | None = "c7a4e2f9d1b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: a new table the older
# release does not read; the objections are still marked with ``erase_after`` as before.
backward_compatible: bool = True


def upgrade() -> None:
    op.create_table(
        "review_person_erasures",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("match_email", sa.String(length=64), nullable=True),
        sa.Column("match_phone", sa.String(length=64), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erase_after", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id"),
    )
    with op.batch_alter_table("review_person_erasures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_review_person_erasures_erase_after"), ["erase_after"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("review_person_erasures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_person_erasures_erase_after"))
    op.drop_table("review_person_erasures")
