"""The submission database's migrations (Alembic): ``python -m services.submission.migrations``
brings the database in ``DATABASE_URL`` to head."""

from pathlib import Path

from services.submission.store import metadata
from shared.platform.migrations import DatabaseSchema

SCHEMA = DatabaseSchema("submission", metadata, Path(__file__).parent)
