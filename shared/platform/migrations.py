"""Alembic migrations, one history per service (``services/<service>/migrations``).

Configured in code rather than with alembic.ini files, so that the services,
the local stack, the Kubernetes Job and the tests all run the same thing:

    python -m tools.migrate <service>                       # upgrade to head
    python -m tools.migrate <service> --revision "message"  # autogenerate a new one

A service refuses to start on a database that is not at head, unless it is
told to migrate it itself (``auto_migrate``, as the tests do).
"""

from __future__ import annotations

import importlib
import zlib
from pathlib import Path

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, inspect, text

from shared.platform.db import make_engine, normalise_url


class SchemaNotCurrent(RuntimeError):
    """The database is behind (or ahead of) the code's migrations."""


def metadata_of(service: str) -> MetaData:
    store = importlib.import_module(f"services.{service}.store")
    return store.metadata  # type: ignore[no-any-return]


def _script_location(service: str) -> str:
    package = importlib.import_module(f"services.{service}")
    return str(Path(next(iter(package.__path__))) / "migrations")


def config(service: str, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", _script_location(service))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    cfg.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


def upgrade(service: str, database_url: str) -> None:
    """Bring ``service``'s database to head; blocks on the database."""
    command.upgrade(config(service, database_url), "head")


def new_revision(service: str, database_url: str, message: str) -> None:
    """Autogenerate a revision from the difference between the models and a database at head."""
    upgrade(service, database_url)
    command.revision(config(service, database_url), message=message, autogenerate=True)


def head(service: str) -> str | None:
    return ScriptDirectory(_script_location(service)).get_current_head()


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def require_current(service: str, engine: Engine) -> None:
    """Raise ``SchemaNotCurrent`` with what to run when the database is not at head."""
    at, wanted = current(engine), head(service)
    if at != wanted:
        raise SchemaNotCurrent(
            f"the {service} database is at migration {at or 'none (empty)'}, the code needs "
            f"{wanted}: run `python -m tools.migrate {service}` (or the migration Job) first"
        )


def run_env() -> None:
    """The body of every service's ``migrations/env.py`` (online mode only)."""
    cfg = context.config
    service = cfg.attributes["service"]
    engine = make_engine(cfg.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # Two processes upgrading at once: the second waits, then finds nothing to do.
                lock = zlib.crc32(f"inagara-migrate-{service}".encode())
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock})
                conn.commit()
            context.configure(
                connection=conn,
                target_metadata=metadata_of(service),
                render_as_batch=conn.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def differences(service: str, engine: Engine) -> list[object]:
    """What the database lacks or has beyond the models (empty when they match)."""
    with engine.connect() as conn:
        context_ = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context_, metadata_of(service)))


def ensure_current(service: str, engine: Engine, database_url: str, auto_migrate: bool) -> None:
    """Start-up check of a web or worker process.

    With ``auto_migrate`` (the tests, embedded use) the database is brought to
    head; a database made before migrations existed (by ``create_all``) is
    adopted only if it matches the models exactly. Without it, a database that
    is not at head stops the process with what to run.
    """
    if not auto_migrate:
        require_current(service, engine)
        return
    if current(engine) is None and _has_tables(engine, service):
        if differences(service, engine):
            raise SchemaNotCurrent(
                f"the {service} database has tables but no migration history, and they differ "
                f"from the models: it predates migrations; recreate it (locally: make clean)"
            )
        command.stamp(config(service, database_url), "head")
        return
    upgrade(service, database_url)


def _has_tables(engine: Engine, service: str) -> bool:
    existing = set(inspect(engine).get_table_names())
    return bool(existing & set(metadata_of(service).tables))
