"""suppressions

Unsubscribed addresses kept by their hashes only, so that an unsubscribe outlives the
erasure of the person without keeping the address (docs/PRIVACY.md: Consent). The
addresses unsubscribed before are copied in by hash.

Revision ID: 6d1c8e3f2a95
Revises: b5d8e1f3a742
Create Date: 2026-12-03 07:15:00.000000
"""

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "6d1c8e3f2a95"
down_revision: str | Sequence[str] | None = "b5d8e1f3a742"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: a new table it never
# reads. After a rollback, an unsubscribe of an address without a preference row (kept
# by its hash only) is not seen by that release.
backward_compatible: bool = True


def _key(address: str) -> str:
    # The same as services.notification.domain.messages.suppression_key, frozen here.
    return hashlib.sha256(f"inagara:unsubscribed:{address.strip().lower()}".encode()).hexdigest()


def upgrade() -> None:
    suppressions = op.create_table(
        "suppressions",
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address_hash"),
    )
    preferences = sa.table(
        "preferences", sa.column("address", sa.String), sa.column("unsubscribed", sa.Boolean)
    )
    conn = op.get_bind()
    unsubscribed = conn.execute(
        sa.select(preferences.c.address).where(preferences.c.unsubscribed.is_(True))
    ).scalars()
    now = datetime.now(UTC)
    keys = sorted({_key(a) for a in unsubscribed})
    if keys:
        op.bulk_insert(suppressions, [{"address_hash": k, "created_at": now} for k in keys])


def downgrade() -> None:
    op.drop_table("suppressions")
