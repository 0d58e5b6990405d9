"""SQLAlchemy engine setup for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, ProgrammingError


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
    cursor.close()


_WRITES = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class WriterLock:
    """One writer at a time to a SQLite file: among this process's threads (a
    re-entrant lock), and among processes (``flock`` on ``<file>.writer-lock``,
    which the kernel gives to the next waiter at once, and drops with a process
    that dies)."""

    def __init__(self, database: str) -> None:
        self._threads = threading.RLock()
        self._path = f"{database}.writer-lock"
        self._fd: int | None = None
        self._pid = os.getpid()
        self._depth = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if not self._threads.acquire(blocking, timeout):
            return False
        if self._depth == 0:
            if self._pid != os.getpid():
                # A forked child (a gunicorn worker) shares its parent's open file, and
                # with it the parent's flock: open one of its own.
                self._fd, self._pid = None, os.getpid()
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._threads.release()
                return False
        self._depth += 1
        return True

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


_WRITER_LOCKS: dict[str, WriterLock] = {}
_REGISTRY = threading.Lock()


def writer_lock(database: str) -> WriterLock:
    """The lock this process takes to write to ``database``."""
    path = str(Path(database).resolve())
    with _REGISTRY:
        if path not in _WRITER_LOCKS:
            _WRITER_LOCKS[path] = WriterLock(path)
        return _WRITER_LOCKS[path]


class _Cursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        if _WRITES.match(sql):
            self.connection._start_writing()  # type: ignore[attr-defined]
        super().execute(sql, parameters)
        return self

    def executemany(self, sql: str, parameters: Any, /) -> _Cursor:
        if _WRITES.match(sql):
            self.connection._start_writing()  # type: ignore[attr-defined]
        super().executemany(sql, parameters)
        return self


class OneWriterConnection(sqlite3.Connection):
    """A SQLite connection that queues writers on a ``WriterLock``.

    SQLite lets one transaction write at a time; a second writer waits in
    SQLite's busy handler, which sleeps 1, 2, 5, 10… ms between tries. With
    several threads and processes writing (web workers, consumer, relay,
    senders), those sleeps, not the work, set the pace. Here a writer takes the
    file's lock at its first write and gives it back after its commit or
    rollback, so the next one starts at once. A writer that does not take it
    (another program) still meets SQLite's own lock.
    """

    def __init__(self, database: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        self._lock: WriterLock | threading.RLock = (
            writer_lock(database) if database != ":memory:" else threading.RLock()
        )
        self._writing = False

    def cursor(self, factory: Any = None) -> Any:  # type: ignore[override]
        return super().cursor(factory or _Cursor)

    def _start_writing(self) -> None:
        if not self._writing:
            self._lock.acquire()
            self._writing = True

    def _done_writing(self) -> None:
        if self._writing:
            self._writing = False
            self._lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._done_writing()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._done_writing()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._done_writing()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create the engine for ``url``; a SQLite file's folder is created if missing.

    Connects lazily: nothing touches the database until the first query.
    """
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {}).setdefault("factory", OneWriterConnection)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("connect_args", {"connect_timeout": 5})
    return create_engine(url, **kwargs)


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
