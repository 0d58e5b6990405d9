"""announce agencies: one agency.registered per agency registered before the events existed

The review service keeps a copy of the register from ``agency.registered`` /
``agency.updated``; agencies registered before this release were never announced. This
migration writes one ``agency.registered`` per existing agency into the outbox, in the
migration's transaction, and the relay publishes them like any other event. A migration
(rather than a step at every start) runs exactly once per database, whatever the number
of web processes, and never announces an agency twice. ``flask announce-agencies``
announces every agency again if the review service missed them (docs/OPERATE.md).

The payload is written out here, not built by the use case: a migration must keep
meaning what it meant when it was written.

Revision ID: a3f9c2e1d470
Revises: 4e8a1c7d2b90
Create Date: 2026-12-03 06:05:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from shared.events.envelope import Event
from shared.events.outbox import add_to_outbox, outbox_table

revision: str = "a3f9c2e1d470"
down_revision: str | Sequence[str] | None = "4e8a1c7d2b90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Yes: only outbox rows, which
# the old relay publishes and the old consumers skip (an event type they do not read).
backward_compatible: bool = True

TYPE = "agency.registered"
DATASCHEMA = "urn:inagara:event:agency.registered:v1"
SOURCE = "/inagara/submission"

agencies = sa.table(
    "agencies",
    sa.column("id", sa.String),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("type", sa.String),
    sa.column("parent_id", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def _aware(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(agencies).order_by(agencies.c.created_at)).all()
    codes = {row.id: row.code for row in rows}
    outbox = outbox_table(sa.MetaData())
    for row in rows:
        data = {
            "agency_id": row.id,
            "code": row.code,
            "name": row.name,
            "kind": row.type,
            "parent_code": codes.get(row.parent_id) if row.parent_id else None,
            "changed_at": _aware(row.created_at).isoformat(),
        }
        add_to_outbox(
            conn, outbox, "inagara.proposals", Event.first(TYPE, SOURCE, row.id, data, DATASCHEMA)
        )


def downgrade() -> None:
    # Announced events cannot be taken back; the rows left in the outbox are harmless.
    pass
