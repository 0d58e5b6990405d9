"""objector match: keyed hashes of the objector's email and phone, and a pending erasure

A person-wide export or erasure of the submission service finds a person among the
objectors by HMAC-SHA256 under SUBJECT_MATCH_KEY of their normalised email and E.164 phone
(shared/events/matching.py; docs/PRIVACY.md). Rows whose objector is not erased (their key
is there) are backfilled here when SUBJECT_MATCH_KEY is set, and by the review service at
the next match otherwise. ``erase_after``: an erasure announced to the person first.

Revision ID: c7a4e2f9d1b6
Revises: b5e8d2f4a6c1
Create Date: 2026-12-03 13:20:00.000000
"""

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.events.matching import email_hash, phone_hash

revision: str = "c7a4e2f9d1b6"
down_revision: str | Sequence[str] | None = "b5e8d2f4a6c1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: nullable columns the
# older release does not read or write.
backward_compatible: bool = True


def upgrade() -> None:
    with op.batch_alter_table("review_objections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("match_email", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("match_phone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("erase_after", sa.DateTime(timezone=True), nullable=True))
        for column in ("match_email", "match_phone"):
            batch_op.create_index(
                batch_op.f(f"ix_review_objections_{column}"), [column], unique=False
            )
    key = os.environ.get("SUBJECT_MATCH_KEY", "")
    if not key:
        return
    table = sa.table(
        "review_objections",
        sa.column("id", sa.String),
        sa.column("email", sa.String),
        sa.column("phone", sa.String),
        sa.column("subject_key", sa.LargeBinary),
        sa.column("match_email", sa.String),
        sa.column("match_phone", sa.String),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(table.c.id, table.c.email, table.c.phone).where(table.c.subject_key.is_not(None))
    ).all()
    for row in rows:
        conn.execute(
            table.update()
            .where(table.c.id == row.id)
            .values(match_email=email_hash(key, row.email), match_phone=phone_hash(key, row.phone))
        )


def downgrade() -> None:
    with op.batch_alter_table("review_objections", schema=None) as batch_op:
        for column in ("match_phone", "match_email"):
            batch_op.drop_index(batch_op.f(f"ix_review_objections_{column}"))
        batch_op.drop_column("erase_after")
        batch_op.drop_column("match_phone")
        batch_op.drop_column("match_email")
