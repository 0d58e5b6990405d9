"""SQLAlchemy engine setup for SQLite (embedded default: ``make run`` and the tests) and
PostgreSQL (production)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, IntegrityError, ProgrammingError

# A pooled connection idle longer than this is pinged before use (see ``_ping_if_idle``).
PING_AFTER_IDLE_S = 1.0


def normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web process read while the worker writes; busy_timeout makes
    # concurrent writers wait instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A deleted or overwritten row is zeroed in the file, not left in a free page or a
    # free block where a copy of the file would still show it (erasure, docs/PRIVACY.md).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def scrub_freed_space(engine: Engine) -> None:
    """After an erasure: leave no earlier copy of the erased rows in the database files.

    SQLite (``secure_delete`` on) zeroes what a transaction deletes or overwrites, but
    the write-ahead log (``-wal``) still holds the pages as earlier transactions wrote
    them: it is checkpointed into the database and truncated to nothing (waiting, with
    the busy timeout, for readers to finish). PostgreSQL keeps the old row versions as
    dead tuples until ``VACUUM`` (autovacuum) reclaims them; they are not readable
    through SQL, and the files are the database server's (docs/PRIVACY.md).
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def make_engine(
    url: str, pool_size: int | None = None, max_overflow: int | None = None, **kwargs: Any
) -> Engine:
    """Create the engine for ``url``; a SQLite file's folder is created if missing.

    Connects lazily: nothing touches the database until the first query. On
    PostgreSQL ``pool_size`` + ``max_overflow`` bound the connections it holds
    (``DB_POOL_SIZE``, ``DB_MAX_OVERFLOW``); SQLite has no server to spare. Nothing
    the engine does outlives a transaction on the server (no prepared statements, session
    advisory locks, LISTEN or SET), so ``url`` may name a transaction-pooling PgBouncer.
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # The driver begins a transaction before its first write statement (reads before
        # it run on their own, beside a writer, in WAL). IMMEDIATE makes that BEGIN take
        # SQLite's write lock before the statement runs: writers queue in SQLite's busy
        # handler (busy_timeout) and none fails on a lock it could not upgrade.
        kwargs.setdefault("connect_args", {}).setdefault("isolation_level", "IMMEDIATE")
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 5 if pool_size is None else pool_size)
    kwargs.setdefault("max_overflow", 5 if max_overflow is None else max_overflow)
    # prepare_threshold=None: psycopg never prepares statements on the server. A prepared
    # statement lives on one server connection, and behind PgBouncer's transaction pooling
    # the next transaction may run on another one (docs/OPERATE.md, "Connections").
    kwargs.setdefault("connect_args", {"connect_timeout": 5, "prepare_threshold": None})
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine, "checkin", _idle_since)
        event.listen(engine, "checkout", _ping_if_idle)
    return engine


def _idle_since(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ping a connection that sat in the pool (a database restart may have cut it);
    one in steady use is not pinged: a failure on it invalidates the pool's older
    connections, and the caller's retry (group commit, a consumer's redelivery)
    gets a fresh one. Pinging every checkout cost a round trip per request."""
    if time.monotonic() - record.info.get("idle_since", 0.0) <= PING_AFTER_IDLE_S:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()
    except Exception as exc:
        raise DisconnectionError() from exc  # the pool connects afresh and checks out again


def create_schema(engine: Engine, metadata: MetaData, attempts: int = 3) -> None:
    """Create missing tables. Safe to run from several processes at once.

    Two processes creating the same table race on PostgreSQL's catalog; the
    loser sees the table on its next look. (Migrations replace this later.)
    """
    for attempt in range(1, attempts + 1):
        try:
            metadata.create_all(engine, checkfirst=True)
            return
        except (IntegrityError, ProgrammingError):
            if attempt == attempts:
                raise


def ping(engine: Engine) -> None:
    """Raise if the database does not answer."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
