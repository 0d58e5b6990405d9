"""The notification database's migrations (Alembic): ``python -m services.notification.migrations``
brings the database in ``DATABASE_URL`` to head."""

from pathlib import Path

from services.notification.store import metadata
from shared.platform.migrations import DatabaseSchema

SCHEMA = DatabaseSchema("notification", metadata, Path(__file__).parent)
