"""deliveries: the recipient's data subject id

``deliveries.data_subject`` (nullable, indexed): the subject id of the person a delivery
went to when the event named one (an objector, an innovator of a sealed proposal), so
that ``objector.erased``, which names only the subject, finds their deliveries.

Revision ID: d4e6a8c0b2f1
Revises: c7a3e5f9b214
Create Date: 2026-12-03 10:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4e6a8c0b2f1"
down_revision: str | Sequence[str] | None = "c7a3e5f9b214"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# Can the release before this migration run on its result? Expand: a nullable column the
# release before neither reads nor writes.
backward_compatible: bool = True


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("data_subject", sa.String(length=36), nullable=True))
        batch.create_index("ix_deliveries_data_subject", ["data_subject"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_data_subject")
        batch.drop_column("data_subject")
