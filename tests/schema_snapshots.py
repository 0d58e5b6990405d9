"""Migrated schemas from a snapshot: each service's migrations run once per session and backend.

Hundreds of tests give a service a fresh, empty database, and every one of them used
to run that service's whole Alembic history (0.4-0.9 s on SQLite, 1-4 s on PostgreSQL
on a busy 2-core machine). The first upgrade of a (service, backend) in a session runs
the real migrations; its result is kept (SQLite: the database file's bytes;
PostgreSQL: ``pg_dump --inserts``) and later upgrades of an empty database load that
instead: the same tables, indexes, revision and accepted heads, because it is what the
migrations produced a moment ago.

Only an empty database is loaded from a snapshot; a database with tables goes through
Alembic as before. ``tests/integration/test_migrations.py`` (marked
``real_migrations``) always runs the real history. Without ``pg_dump`` and ``psql``
PostgreSQL databases are migrated the slow way.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from shared.platform import migrations
from shared.platform.db import make_engine, normalise_url

Upgrade = Callable[[migrations.DatabaseSchema, str], None]


@dataclass
class SchemaSnapshots:
    """Upgrades an empty database from the session's snapshot of the same migrations."""

    real_upgrade: Upgrade
    _kept: dict[tuple[str, str, str], bytes] = field(default_factory=dict)

    def upgrade(self, schema: migrations.DatabaseSchema, database_url: str) -> None:
        url = make_url(normalise_url(database_url))
        backend = url.get_backend_name()
        if not self._can_snapshot(backend, url.database):
            self.real_upgrade(schema, database_url)
            return
        if not self._empty(database_url):
            self.real_upgrade(schema, database_url)
            return
        key = (schema.service, str(schema.migrations), backend)
        kept = self._kept.get(key)
        if kept == b"":
            self.real_upgrade(schema, database_url)
            return
        if kept is not None:
            self._load(backend, database_url, kept)
            return
        self.real_upgrade(schema, database_url)
        try:
            self._kept[key] = self._take(backend, database_url)
        except (OSError, subprocess.SubprocessError):
            self._kept[key] = b""  # e.g. pg_dump older than the server: migrate every time

    @staticmethod
    def _can_snapshot(backend: str, database: str | None) -> bool:
        if backend == "sqlite":
            return bool(database) and database != ":memory:"
        return backend == "postgresql" and bool(shutil.which("pg_dump") and shutil.which("psql"))

    @staticmethod
    def _empty(database_url: str) -> bool:
        engine = make_engine(database_url)
        try:
            return not inspect(engine).get_table_names()
        finally:
            engine.dispose()

    @staticmethod
    def _take(backend: str, database_url: str) -> bytes:
        if backend == "sqlite":
            with sqlite3.connect(_sqlite_path(database_url)) as conn:
                image = conn.serialize()
            # The file is in WAL mode (header bytes 18-19 = 2), which an in-memory
            # database cannot open ("unable to open database file" at the backup into
            # the next database): keep the image in rollback-journal mode; the engine
            # turns WAL on again when it connects.
            return image[:18] + b"\x01\x01" + image[20:]
        dump = subprocess.run(
            ["pg_dump", "--no-owner", "--no-privileges", "--inserts", _libpq_url(database_url)],
            capture_output=True,
            check=True,
            timeout=60,
        )
        return dump.stdout

    @staticmethod
    def _load(backend: str, database_url: str, kept: bytes) -> None:
        if backend == "sqlite":
            source = sqlite3.connect(":memory:")
            target = sqlite3.connect(_sqlite_path(database_url))
            try:
                source.deserialize(kept)
                source.backup(target)
            finally:
                source.close()
                target.close()
            return
        subprocess.run(
            ["psql", "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", _libpq_url(database_url)],
            input=kept,
            capture_output=True,
            check=True,
            timeout=60,
        )


def _sqlite_path(database_url: str) -> str:
    database = make_url(normalise_url(database_url)).database
    assert database, database_url
    return database


def _libpq_url(database_url: str) -> str:
    """The URL as libpq reads it (no SQLAlchemy driver suffix)."""
    url = make_url(normalise_url(database_url)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)
