"""Alembic migrations, one history per service, each handed over as a ``DatabaseSchema``.

Configured in code rather than with alembic.ini files, so that the services,
the local stack, the Kubernetes Job and the tests all run the same thing. A
service's ``migrations`` package names its ``SCHEMA`` (its tables and its
migration folder) and runs as ``python -m services.<service>.migrations``
(``main`` below) to bring its database to head; developers write a new
revision with ``python -m tools.migrate <service> --revision "message"``.

A service refuses to start on a database that is not at head, unless it is
told to migrate it itself (``auto_migrate``, as the tests do), with one
exception that makes a rollback possible: a database at a *later* revision
whose migrations since this code's head are all marked ``backward_compatible``
(expand-only: new tables, new nullable columns, new indexes) still serves this
code. Each revision module says which it is::

    backward_compatible: bool = True  # the release before this one runs on it

Whenever the database changes revision, the revisions whose code may run on it
are written into ``inagara_schema_accepts`` in the same transaction, so an
older release, which has never seen the newer migration files, can still tell.
A contract migration (``backward_compatible = False``: drop, rename, a new
required column) is refused by the release before it; rolling back over it
takes ``python -m services.<service>.migrations --downgrade-to <revision>``,
run by the newer release's image (it holds the downgrade).
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    delete,
    insert,
    inspect,
    select,
    text,
)

from shared.platform.db import make_engine, normalise_url
from shared.platform.settings import Settings


class SchemaNotCurrent(RuntimeError):
    """The database is behind (or ahead of) the code's migrations."""


ACCEPTS_TABLE = "inagara_schema_accepts"
_accepts = Table(ACCEPTS_TABLE, MetaData(), Column("revision", String(64), primary_key=True))


def _not_ours(name: str | None, type_: str, _parents: object) -> bool:
    """Alembic's ``include_name``: the accepts table is bookkeeping, not a model."""
    return not (type_ == "table" and name == ACCEPTS_TABLE)


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


def accepted_heads(engine: Engine) -> set[str]:
    """The code heads that may run on the database as it is now (empty before any migration)."""
    if not inspect(engine).has_table(ACCEPTS_TABLE):
        return set()
    with engine.connect() as conn:
        return set(conn.execute(select(_accepts.c.revision)).scalars())


def accepting(script: ScriptDirectory, revision: str | None) -> list[str]:
    """The revisions whose code runs on a database at ``revision``: itself, then each
    earlier one for as long as the migration above it is ``backward_compatible``."""
    found: list[str] = []
    while revision:
        found.append(revision)
        module = script.get_revision(revision)
        if module is None or not getattr(module.module, "backward_compatible", False):
            break
        down = module.down_revision
        revision = down if isinstance(down, str) else None
    return found


def _knows(schema: DatabaseSchema, revision: str) -> bool:
    try:
        return ScriptDirectory(str(schema.migrations)).get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for an unknown revision
        return False


def is_accepted(schema: DatabaseSchema, engine: Engine) -> bool:
    """At head, or at a later revision (unknown here) that accepts this code's head."""
    at, wanted = current(engine), head(schema)
    return at == wanted or (
        at is not None and not _knows(schema, at) and wanted in accepted_heads(engine)
    )


def require_current(schema: DatabaseSchema, engine: Engine) -> None:
    """Raise ``SchemaNotCurrent`` with what to run when this code cannot use the database."""
    if is_accepted(schema, engine):
        return
    at, wanted = current(engine), head(schema)
    command_ = f"python -m services.{schema.service}.migrations"
    if at is not None and not _knows(schema, at):
        raise SchemaNotCurrent(
            f"the {schema.service} database is at migration {at}, a later release's, which "
            f"this release (at {wanted}) cannot run on: a contract migration lies between "
            f"them. Roll the database back with `{command_} --downgrade-to {wanted}` run by "
            "the later release's image, or deploy the later release"
        )
    raise SchemaNotCurrent(
        f"the {schema.service} database is at migration {at or 'none (empty)'}, the code "
        f"needs {wanted}: run `{command_}` (or the migration Job) first"
    )


def run_env() -> None:
    """The body of every service's ``migrations/env.py`` (online mode only)."""
    cfg = context.config
    schema: DatabaseSchema = cfg.attributes["schema"]
    engine = make_engine(cfg.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # Batch mode rebuilds a table (copy, drop, rename); with foreign keys
                # enforced, dropping one that other rows reference fails. Off for the
                # migration, as SQLite's own ALTER TABLE procedure says, checked after.
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.commit()
            context.configure(
                connection=conn,
                target_metadata=schema.metadata,
                render_as_batch=conn.dialect.name == "sqlite",
                compare_type=True,
                include_name=_not_ours,
            )
            with context.begin_transaction():
                if conn.dialect.name == "postgresql":
                    # Two processes upgrading at once: the second waits, then finds nothing
                    # to do. A transaction-level lock (PostgreSQL's DDL is transactional, so
                    # the whole upgrade is this one transaction): it holds through a
                    # transaction-pooling PgBouncer too, where a session lock would stay on
                    # a server connection other clients are handed (docs/OPERATE.md).
                    lock = zlib.crc32(f"inagara-migrate-{schema.service}".encode())
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock})
                context.run_migrations()
                _record_accepting(conn, ScriptDirectory.from_config(cfg))
            # Without transactional DDL (SQLite) alembic commits each step itself and
            # leaves the bookkeeping above in a transaction of the connection's own.
            if conn.in_transaction():
                conn.commit()
            if sqlite:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"a migration broke foreign keys: {broken[:5]}")
    finally:
        engine.dispose()


def _record_accepting(conn: Connection, script: ScriptDirectory) -> None:
    """Write which code heads may run on the revision just reached (same transaction)."""
    revision = MigrationContext.configure(conn).get_current_revision()
    _accepts.create(conn, checkfirst=True)
    conn.execute(delete(_accepts))
    rows = [{"revision": r} for r in accepting(script, revision)]
    if rows:
        conn.execute(insert(_accepts), rows)


def differences(schema: DatabaseSchema, engine: Engine) -> list[object]:
    """What the database lacks or has beyond the models (empty when they match)."""
    with engine.connect() as conn:
        context_ = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": _not_ours}
        )
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
    at = current(engine)
    if at is not None and not _knows(schema, at):
        require_current(schema, engine)  # a later release's database: fine if it accepts us
        return
    if at is None and _has_tables(engine, schema):
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


def wait_until_accepted(schema: DatabaseSchema, database_url: str, timeout_s: float) -> bool:
    """Poll until this code may use the database (the release's migration Job has run)."""
    engine = make_engine(database_url)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                if is_accepted(schema, engine):
                    return True
            except Exception as exc:  # the database not up yet: the same as not migrated
                print(f"{schema.service}: database not reachable yet ({exc})", file=sys.stderr)
            if time.monotonic() >= deadline:
                return False
            time.sleep(min(2.0, max(0.05, deadline - time.monotonic())))
    finally:
        engine.dispose()


def main(schema: DatabaseSchema, argv: Sequence[str] | None = None) -> int:
    """``python -m services.<service>.migrations``: the database named by ``DATABASE_URL``
    (as the service reads it) to head. What the release's migration Job runs."""
    prog = f"python -m services.{schema.service}.migrations"
    parser = argparse.ArgumentParser(
        prog=prog, description=main.__doc__.split("\n")[0] if main.__doc__ else None
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        help="migrate nothing: wait until the database serves this release (at its head, or "
        "at a later revision that accepts it); exit 1 when the time is up (init containers)",
    )
    mode.add_argument(
        "--downgrade-to",
        metavar="REVISION",
        help="roll the database back to REVISION (an earlier release's head), for a rollback "
        "over a contract migration",
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env(schema.service)
    if args.wait is not None:
        if wait_until_accepted(schema, settings.database_url, args.wait):
            print(f"{schema.service}: the database serves migration {head(schema)}")
            return 0
        engine = make_engine(settings.database_url)
        try:
            require_current(schema, engine)
        except SchemaNotCurrent as exc:
            print(f"{schema.service}: {exc}", file=sys.stderr)
        finally:
            engine.dispose()
        return 1
    if args.downgrade_to:
        command.downgrade(config(schema, settings.database_url), args.downgrade_to)
        print(f"{schema.service}: database at migration {args.downgrade_to}")
        return 0
    migrate(schema, settings.database_url)
    print(f"{schema.service}: database at migration {head(schema)}")
    return 0
