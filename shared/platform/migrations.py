"""Alembic migrations, one history per service, each handed over as a ``DatabaseSchema``.

Configured in code rather than with alembic.ini files, so that the services,
the local stack, the Kubernetes Job and the tests all run the same thing. A
service's ``migrations`` package names its ``SCHEMA`` (its tables and its
migration folder) and runs as ``python -m services.<service>.migrations``
(``main`` below) to bring its database to head; developers write a new
revision with ``python -m tools.migrate <service> --revision "message"``.

A service refuses to start on a database that is not at head, unless it is
told to migrate it itself (``auto_migrate``, as the tests do).
"""

from __future__ import annotations

import argparse
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, inspect, text

from shared.platform.db import make_engine, normalise_url
from shared.platform.settings import Settings


class SchemaNotCurrent(RuntimeError):
    """The database is behind (or ahead of) the code's migrations."""


@dataclass(frozen=True)
class DatabaseSchema:
    """A service's database: its tables and the folder of its migration history."""

    service: str
    metadata: MetaData
    migrations: Path


def config(schema: DatabaseSchema, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(schema.migrations))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    cfg.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    cfg.attributes["schema"] = schema
    return cfg


def upgrade(schema: DatabaseSchema, database_url: str) -> None:
    """Bring the database to head; blocks on the database."""
    command.upgrade(config(schema, database_url), "head")


def new_revision(schema: DatabaseSchema, database_url: str, message: str) -> None:
    """Autogenerate a revision from the difference between the models and a database at head."""
    upgrade(schema, database_url)
    command.revision(config(schema, database_url), message=message, autogenerate=True)


def head(schema: DatabaseSchema) -> str | None:
    return ScriptDirectory(str(schema.migrations)).get_current_head()


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def require_current(schema: DatabaseSchema, engine: Engine) -> None:
    """Raise ``SchemaNotCurrent`` with what to run when the database is not at head."""
    at, wanted = current(engine), head(schema)
    if at != wanted:
        raise SchemaNotCurrent(
            f"the {schema.service} database is at migration {at or 'none (empty)'}, the code "
            f"needs {wanted}: run `python -m services.{schema.service}.migrations` (or the "
            "migration Job) first"
        )


def run_env() -> None:
    """The body of every service's ``migrations/env.py`` (online mode only)."""
    cfg = context.config
    schema: DatabaseSchema = cfg.attributes["schema"]
    engine = make_engine(cfg.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # Two processes upgrading at once: the second waits, then finds nothing to do.
                lock = zlib.crc32(f"inagara-migrate-{schema.service}".encode())
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock})
                conn.commit()
            context.configure(
                connection=conn,
                target_metadata=schema.metadata,
                render_as_batch=conn.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def differences(schema: DatabaseSchema, engine: Engine) -> list[object]:
    """What the database lacks or has beyond the models (empty when they match)."""
    with engine.connect() as conn:
        context_ = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context_, schema.metadata))


def ensure_current(
    schema: DatabaseSchema, engine: Engine, database_url: str, auto_migrate: bool
) -> None:
    """Start-up check of a web or worker process.

    With ``auto_migrate`` (the tests, embedded use) the database is brought to
    head; a database made before migrations existed (by ``create_all``) is
    adopted only if it matches the models exactly. Without it, a database that
    is not at head stops the process with what to run.
    """
    if not auto_migrate:
        require_current(schema, engine)
        return
    if current(engine) is None and _has_tables(engine, schema):
        if differences(schema, engine):
            raise SchemaNotCurrent(
                f"the {schema.service} database has tables but no migration history, and they "
                "differ from the models: it predates migrations; recreate it (locally: make clean)"
            )
        command.stamp(config(schema, database_url), "head")
        return
    upgrade(schema, database_url)


def _has_tables(engine: Engine, schema: DatabaseSchema) -> bool:
    existing = set(inspect(engine).get_table_names())
    return bool(existing & set(schema.metadata.tables))


def migrate(schema: DatabaseSchema, database_url: str) -> None:
    """Upgrade the database to head; blocks on the database.

    Raises ``SchemaNotCurrent`` for a database made before migrations existed
    that no longer matches the models (an old local ``var/``).
    """
    engine = make_engine(database_url)
    try:
        ensure_current(schema, engine, database_url, auto_migrate=True)
    finally:
        engine.dispose()


def main(schema: DatabaseSchema, argv: Sequence[str] | None = None) -> int:
    """``python -m services.<service>.migrations``: the database named by ``DATABASE_URL``
    (as the service reads it) to head. What the migration Job and init containers run."""
    prog = f"python -m services.{schema.service}.migrations"
    parser = argparse.ArgumentParser(
        prog=prog, description=main.__doc__.split("\n")[0] if main.__doc__ else None
    )
    parser.parse_args(argv)
    settings = Settings.from_env(schema.service)
    migrate(schema, settings.database_url)
    print(f"{schema.service}: database at migration {head(schema)}")
    return 0
