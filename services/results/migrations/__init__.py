"""The results database's migrations (Alembic): ``python -m services.results.migrations``
brings the database in ``DATABASE_URL`` to head."""

from pathlib import Path

from services.results.store import metadata
from shared.platform.migrations import DatabaseSchema

SCHEMA = DatabaseSchema("results", metadata, Path(__file__).parent)
