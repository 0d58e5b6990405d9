"""Group commit: the writes of units of work that finish at the same moment in one
process share one transaction, one statement per table and one commit.

A request thread hands its writes to ``GroupCommit.commit`` and is answered only
after they are committed (or with the error that kept them out). Threads that
arrive while a transaction is running queue up; the next transaction takes all of
them. If a shared transaction fails, each member's writes are tried again alone,
so that one request's bad row fails that request and no other.

There is no writer thread and no timer: the first thread to arrive leads (runs the
transaction for everyone queued, itself included), then hands the lead to the
first thread still queued. A lone request is committed at once, without waiting
for company.

- **Made ready in the requesting thread.** Each write is compiled once per statement
  and turned into the driver's row (the bind order, each column type's conversion)
  before it queues, so that the transaction runs only the driver's ``executemany`` per
  statement and the commit: on SQLite no other writer of the database can write
  meanwhile. A statement with values of its own (``insert(t).values(...)``) goes
  through SQLAlchemy as before; a member tried alone after a failure too, so that its
  use case meets SQLAlchemy's error (a duplicate key's ``IntegrityError``).
- **Leaders** (``leaders``): how many transactions of the process may run at once. One
  suits SQLite (one writer at a time anyway); PostgreSQL flushes the WAL of concurrent
  commits together, so a second transaction can run while the first one's commit is
  flushed.
- **Gathering** (``gather_s``): a request the caller announces with ``expecting()``
  (the create lane does, from the moment it has a body) is waited for by a leader, up
  to ``gather_s``, so that it joins the transaction instead of starting the next one.
  A request that leaves without committing (a refusal) ends the wait at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect, Engine
from sqlalchemy.sql import Executable, Insert

# One write: a statement built once and its parameters.
Write = tuple[Executable, dict[str, Any]]


class _Driver:
    """An INSERT compiled once for the driver: its SQL, and how a row of parameters
    becomes the driver's (the bind names in order, each with its type's conversion)."""

    def __init__(
        self, sql: str, binds: list[tuple[str, Callable[[Any], Any] | None]], positional: bool
    ) -> None:
        self.sql = sql
        self._names = [name for name, _ in binds]
        self._get = itemgetter(*self._names) if len(binds) > 1 else None
        self._convert = [(i, p) for i, (_, p) in enumerate(binds) if p is not None]
        self._positional = positional

    def row(self, parameters: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        if self._get is not None:
            values = list(self._get(parameters))
        else:
            values = [parameters[name] for name in self._names]
        for i, convert in self._convert:
            values[i] = convert(values[i])
        return tuple(values) if self._positional else dict(zip(self._names, values, strict=True))


# A write ready for the driver (its compiled form and row), or ``None`` where only
# SQLAlchemy can execute it (then the statement and parameters are used as given).
_Ready = tuple[_Driver, tuple[Any, ...] | dict[str, Any]] | None


@dataclass
class _Member:
    writes: list[Write]
    ready: list[_Ready] = field(default_factory=list)
    turn: threading.Event = field(default_factory=threading.Event)
    leads: bool = False  # holds a lead: first here, or handed one (it leads once awake)
    finished: threading.Event = field(default_factory=threading.Event)
    done: bool = False
    error: BaseException | None = None


def _by_statement(members: list[_Member]) -> list[tuple[Executable, list[dict[str, Any]]]]:
    """The members' writes, one entry per statement in the order each first appears.

    Every member writes its tables in the same order (a parent row before its
    children), so executing table by table keeps that order."""
    grouped: dict[int, tuple[Executable, list[dict[str, Any]]]] = {}
    for member in members:
        for statement, parameters in member.writes:
            grouped.setdefault(id(statement), (statement, []))[1].append(parameters)
    return list(grouped.values())


@lru_cache(maxsize=512)
def _driver(statement: Insert, keys: tuple[str, ...], dialect: Dialect) -> _Driver | None:
    """``statement`` compiled for ``dialect`` with exactly ``keys`` given, if the driver
    can run it with nothing computed at execution: a plain INSERT of the given values (no
    Python-side default to fill in, nothing read back, no bind that is not a given key)."""
    compiled: Any = statement.inline().compile(dialect=dialect, column_keys=list(keys))
    if (
        compiled.insert_prefetch
        or compiled.effective_returning
        or compiled.escaped_bind_names
        or compiled.post_compile_params
        or compiled.literal_execute_params
    ):
        return None
    names = list(compiled.positiontup or compiled.binds)
    if not set(names) <= set(keys):
        return None
    processors = compiled._bind_processors
    binds = [(name, processors.get(name)) for name in names]
    return _Driver(compiled.string, binds, positional=bool(compiled.positiontup))


def _ready(dialect: Dialect, writes: list[Write]) -> list[_Ready]:
    """Each write made ready for the driver, in the requesting thread: the leader's
    transaction (during which no other writer of the database can write, on SQLite)
    then runs only the driver's statements and the commit."""
    ready: list[_Ready] = []
    for statement, parameters in writes:
        if not isinstance(statement, Insert) or statement._values or statement._multi_values:
            # Values inside the statement (``insert(t).values(...)``): usually built per
            # call, so not worth compiling here; SQLAlchemy runs it (and caches its form).
            ready.append(None)
            continue
        driver = _driver(statement, tuple(sorted(parameters)), dialect)
        ready.append(None if driver is None else (driver, driver.row(parameters)))
    return ready


def _execute_ready(conn: Connection, members: list[_Member]) -> None:
    """The members' writes through the driver: one ``executemany`` per statement, in the
    order each first appears (pipelined on PostgreSQL). A write the driver cannot run
    goes through SQLAlchemy in its place."""
    grouped: dict[int, tuple[Any, list[Any]]] = {}
    for member in members:
        for (statement, parameters), ready in zip(member.writes, member.ready, strict=True):
            if ready is None:
                grouped.setdefault(id(parameters), (statement, [parameters]))
            else:
                grouped.setdefault(id(ready[0]), (ready[0], []))[1].append(ready[1])
    with _pipelined(conn):
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            for what, rows in grouped.values():
                if isinstance(what, _Driver):
                    _announce(conn, "before_cursor_execute", cursor, what.sql, rows)
                    cursor.executemany(what.sql, rows)
                    _announce(conn, "after_cursor_execute", cursor, what.sql, rows)
                else:
                    conn.execute(_inline(what), rows[0])
        finally:
            cursor.close()


def _announce(conn: Connection, name: str, cursor: Any, sql: str, rows: list[Any]) -> None:
    """SQLAlchemy's cursor events for a statement run through the driver, so that what
    listens to the engine's statements (tracing, the tests' counts) still sees it."""
    if conn._has_events or conn.engine._has_events:
        getattr(conn.dispatch, name)(conn, cursor, sql, rows, None, True)


def _execute(conn: Connection, members: list[_Member], pipelined: bool = True) -> None:
    """The members' writes; pipelined where the driver can (see ``_pipelined``). A member
    tried alone is not: its error is then raised by the statement that caused it, as the
    database error the use case expects (a duplicate key), not at the pipeline's end."""
    with _pipelined(conn) if pipelined else nullcontext():
        for statement, rows in _by_statement(members):
            conn.execute(_inline(statement), rows if len(rows) > 1 else rows[0])


def _pipelines(engine: Engine) -> bool:
    """Whether the engine's driver pipelines statements (psycopg 3, on PostgreSQL)."""
    return engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"


@lru_cache(maxsize=256)
def _inline(statement: Executable) -> Executable:
    """An INSERT that reads nothing back: no member asks for a generated key (writes are
    deferred to the commit), and a pipeline has no results to read until it ends."""
    return statement.inline() if isinstance(statement, Insert) else statement


@contextmanager
def _pipelined(conn: Connection) -> Iterator[None]:
    """On PostgreSQL (psycopg 3) the statements go out in one pipeline: sent together,
    their results read together, one round trip instead of one per statement."""
    if not _pipelines(conn.engine):
        yield
        return
    driver: Any = conn.connection.driver_connection
    with driver.pipeline():
        yield


class GroupCommit:
    """Commit the writes of concurrent units of work of one process together."""

    def __init__(
        self, engine: Engine, max_batch: int = 64, gather_s: float = 0.0, leaders: int = 1
    ) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._max_leaders = leaders
        self._gather_s = gather_s
        self._lock = threading.Lock()
        self._arrivals = threading.Condition(self._lock)
        self._queue: list[_Member] = []
        self._leaders = 0  # transactions running or about to (at most ``leaders``)
        self._expected = 0  # requests under ``expecting`` that have not committed yet
        self._mine = threading.local()
        self.transactions = 0  # how many commits (for tests and the curious)
        self.committed = 0  # how many units of work they carried

    @contextmanager
    def expecting(self) -> Iterator[None]:
        """Around a request that will most likely commit here: a leader that finds it
        on its way waits for it (up to ``gather_s``), so that both share one commit.
        Leaving without committing (a refusal) stops the wait at once."""
        with self._lock:
            self._expected += 1
        self._mine.expected = True
        try:
            yield
        finally:
            if self._mine.expected:  # it never committed
                self._mine.expected = False
                with self._lock:
                    self._expected -= 1
                    self._arrivals.notify_all()

    def commit(self, writes: list[Write]) -> None:
        """Commit ``writes``; return once they are committed, or raise what failed them."""
        member = _Member(writes, _ready(self._engine.dialect, writes))
        arriving = getattr(self._mine, "expected", False)
        self._mine.expected = False
        with self._lock:
            self._queue.append(member)
            if arriving:
                self._expected -= 1
                self._arrivals.notify_all()
            if self._leaders < self._max_leaders:
                self._leaders += 1
                member.leads = True
        if not member.leads:
            member.turn.wait()
        if member.leads:  # first here, or handed the lead (even if done since)
            self._lead(member)
        if member.error is not None:
            raise member.error

    def _lead(self, own: _Member) -> None:
        try:
            while not own.done:
                with self._lock:
                    self._gather()
                    batch = self._queue[: self._max_batch]
                    del self._queue[: self._max_batch]
                if not batch:  # another leader's transaction carries it
                    own.finished.wait()
                    break
                try:
                    self._run(batch)
                except BaseException as exc:  # none of them may wait for ever
                    for member in batch:
                        member.error = member.error or exc
                    raise
                finally:
                    for member in batch:
                        member.done = True
                        member.finished.set()
                        if member is not own:
                            member.turn.set()
        finally:
            with self._lock:
                # The first one queued that no other leader has handed the lead leads the
                # next transaction; with nobody left to hand it to, this lead ends.
                heir = next((m for m in self._queue if not m.leads), None)
                if heir is not None:
                    heir.leads = True
                    heir.turn.set()
                else:
                    self._leaders -= 1

    def _gather(self) -> None:
        """(Holding the lock.) Wait up to ``gather_s`` for the requests on their way."""
        if self._gather_s <= 0:
            return
        deadline = time.monotonic() + self._gather_s
        while self._expected > 0 and len(self._queue) < self._max_batch:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._arrivals.wait(left)

    def _run(self, batch: list[_Member]) -> None:
        try:
            with self._engine.begin() as conn:
                _execute_ready(conn, batch)
            self.transactions += 1
            self.committed += len(batch)
            return
        except Exception:  # each member is tried again alone, below
            pass
        # Alone, so that only the culprit fails; through SQLAlchemy and not pipelined, so
        # that it fails with its own statement's error as SQLAlchemy raises it (a duplicate
        # key is the IntegrityError its use case handles), not the driver's.
        for member in batch:
            try:
                with self._engine.begin() as conn:
                    _execute(conn, [member], pipelined=False)
                self.transactions += 1
                self.committed += 1
            except Exception as exc:
                member.error = exc
