"""The review database's migrations (Alembic): ``python -m services.review.migrations``
brings the database in ``DATABASE_URL`` to head."""

from pathlib import Path

from services.review.store import metadata
from shared.platform.migrations import DatabaseSchema

SCHEMA = DatabaseSchema("review", metadata, Path(__file__).parent)
