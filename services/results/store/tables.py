"""The results service's tables: a projection of the published records, nothing else."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from shared.events.inbox import inbox_table

metadata = MetaData()
_WHEN = DateTime(timezone=True)

# One row per cycle that published its shortlist or its results.
cycles = Table(
    "results_cycles",
    metadata,
    Column("cycle_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("year", Integer, nullable=False, index=True),
    # [{code, name}] in the cycle's order (empty: one ranking).
    Column("categories", JSON, nullable=False, default=list),
    Column("shortlist_published_at", _WHEN, nullable=True),
    Column("objections_close_at", _WHEN, nullable=True),
    Column("results_published_at", _WHEN, nullable=True),
    Column("scores_published", Boolean, nullable=False, default=False),
)

# The published entries: ``stage`` "shortlist" (the uji publik) or "results" (the awards).
# A newer publication of the same stage replaces the cycle's rows of that stage.
entries = Table(
    "results_entries",
    metadata,
    Column("cycle_id", String(36), primary_key=True),
    Column("stage", String(10), primary_key=True),
    Column("proposal_id", String(36), primary_key=True),
    Column("position", Integer, nullable=False),  # the order of the event's list
    Column("title", String(200), nullable=False),
    Column("agency_code", String(50), nullable=False, index=True),
    Column("agency_name", String(200), nullable=False),
    Column("summary", Text, nullable=False, default=""),
    Column("category", String(50), nullable=True),
    Column("category_name", String(200), nullable=True),
    Column("rank", Integer, nullable=True),
    Column("award", String(200), nullable=True),
    Column("score", Float, nullable=True),
)

inbox = inbox_table(metadata)
