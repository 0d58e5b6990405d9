"""initial schema

The results service's projection: the cycles that published a shortlist or results, their
published entries, and the inbox.

Revision ID: 4e7a2c9b1d30
Revises:
Create Date: 2026-12-03 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4e7a2c9b1d30"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
# A new database: no release before this one reads it.
backward_compatible: bool = True


def upgrade() -> None:
    op.create_table(
        "results_cycles",
        sa.Column("cycle_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("shortlist_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("objections_close_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("results_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scores_published", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("cycle_id"),
    )
    op.create_index("ix_results_cycles_year", "results_cycles", ["year"], unique=False)
    op.create_table(
        "results_entries",
        sa.Column("cycle_id", sa.String(length=36), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("proposal_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("agency_code", sa.String(length=50), nullable=False),
        sa.Column("agency_name", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=True),
        sa.Column("category_name", sa.String(length=200), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("award", sa.String(length=200), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("cycle_id", "stage", "proposal_id"),
    )
    op.create_index(
        "ix_results_entries_agency_code", "results_entries", ["agency_code"], unique=False
    )
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )


def downgrade() -> None:
    op.drop_table("inbox")
    op.drop_index("ix_results_entries_agency_code", table_name="results_entries")
    op.drop_table("results_entries")
    op.drop_index("ix_results_cycles_year", table_name="results_cycles")
    op.drop_table("results_cycles")
