"""The unit of work: where a use case's transaction opens, and its events wait.

A use case is ``verb_noun(command, uow)``. It opens the unit of work, reads and
writes through the stores the service hangs on it, and raises events with
``uow.emit(topic, event)``. On a clean exit the events go into the outbox in the
same transaction, the transaction commits, and the relay is woken; on an exception
nothing of it is kept::

    def withdraw_proposal(command: Withdraw, uow: ProposalWork) -> dict[str, Any]:
        with uow:
            proposal = uow.proposals.get(command.proposal_id)
            ...
            uow.emit(PROPOSALS, event)

A service subclasses ``UnitOfWork`` and builds its stores on the connection in
``_open`` (``self.proposals = ProposalStore(conn)``); its use-case tests subclass
``FakeUnitOfWork`` with in-memory stores of the same shape instead.

A unit of work given a ``GroupCommit`` (``group=``) writes at commit instead: its
stores' reads run at once on a connection of their own, outside any transaction,
and their inserts and updates (events included) wait, to be committed together
with those of the other units of work of the process finishing at the same moment
(``shared/platform/group_commit.py``). It suits a use case that reads, then only
writes, and needs no result of a write (no ``rowcount``, no ``RETURNING``); the
create of a proposal is one.

An event's effect in a consumer runs inside the inbox's transaction: the inbox
claims the event id and commits. ``UnitOfWork.joining(conn, …)`` is the unit of
work of such a use case: it writes its events into the outbox on exit and leaves
the commit to the transaction it joined.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self, cast

from sqlalchemy import Connection, Engine, RootTransaction, Table
from sqlalchemy.sql import Executable

from shared.events.envelope import Event
from shared.events.outbox import add_all_to_outbox, add_to_outbox
from shared.events.wakeup import Wakeup
from shared.platform.group_commit import GroupCommit, Write


class WritesAtCommit:
    """The connection a grouped unit of work gives its stores: a read runs now, on a
    connection of its own; an insert, update or delete is kept for the commit."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._reader: Connection | None = None
        self.writes: list[Write] = []

    def execute(self, statement: Executable, parameters: dict[str, Any] | None = None) -> Any:
        if getattr(statement, "is_dml", False):
            self.writes.append((statement, parameters or {}))
            return None  # a store that needs a write's result cannot be grouped
        if self._reader is None:
            self._reader = self._engine.connect()
            if self._engine.dialect.name != "sqlite":
                # No BEGIN nor ROLLBACK round trip for a read. (SQLite's driver opens no
                # transaction for a read, and resetting its level would undo IMMEDIATE.)
                self._reader.execution_options(isolation_level="AUTOCOMMIT")
        return self._reader.execute(statement, parameters)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


class UnitOfWork:
    """One transaction of a use case, and the events it raises for the outbox."""

    def __init__(
        self,
        engine: Engine,
        outbox: Table,
        wakeup: Wakeup | None = None,
        group: GroupCommit | None = None,
    ) -> None:
        self._engine, self._outbox, self._wakeup, self._group = engine, outbox, wakeup, group
        self._joined: Connection | None = None
        self._deferred: WritesAtCommit | None = None
        self._conn: Connection | None = None
        self._transaction: RootTransaction | None = None
        self.events: list[tuple[str, Event]] = []

    @classmethod
    def joining(cls, conn: Connection, outbox: Table) -> Self:
        """A unit of work inside a transaction already open (the inbox's): on exit it
        writes its events to the outbox and commits nothing itself."""
        work = cls(conn.engine, outbox)
        work._joined = conn
        return work

    @property
    def conn(self) -> Connection:
        """The open transaction's connection (stores take it; use cases do not)."""
        if self._conn is None:
            raise RuntimeError("the unit of work is not open: use it in a `with` block")
        return self._conn

    def emit(self, topic: str, event: Event) -> None:
        """Raise ``event``: it goes into the outbox when the unit of work commits."""
        self.events.append((topic, event))

    def _open(self, conn: Connection) -> None:
        """Build the service's stores on ``conn`` (subclasses)."""

    def __enter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("the unit of work is already open")
        self.events = []
        if self._joined is not None:
            self._conn = self._joined
        elif self._group is not None:
            self._deferred = WritesAtCommit(self._engine)
            self._conn = cast(Connection, self._deferred)
        else:
            self._conn = self._engine.connect()
            self._transaction = self._conn.begin()
        self._open(self._conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        conn, transaction, deferred = self.conn, self._transaction, self._deferred
        self._conn = self._transaction = self._deferred = None
        if deferred is not None and self._group is not None:
            try:
                if exc_type is None:
                    self._write_outbox(conn)
                    self._group.commit(deferred.writes)  # returns once committed
            finally:
                deferred.close()
            if exc_type is None and self.events and self._wakeup is not None:
                self._wakeup.notify()
            return
        if transaction is None:  # joined: the outer transaction commits or rolls back
            if exc_type is None:
                self._write_outbox(conn)
            return
        try:
            if exc_type is None:
                self._write_outbox(conn)
                transaction.commit()
            else:
                transaction.rollback()
        finally:
            if transaction.is_active:
                transaction.rollback()
            conn.close()
        if exc_type is None and self.events and self._wakeup is not None:
            self._wakeup.notify()

    def _write_outbox(self, conn: Connection) -> None:
        if len(self.events) > 1 and isinstance(conn, Connection):
            # A batch's events (a burst's outcomes) in one statement, in order. (A grouped
            # unit of work's writes wait one statement and its parameters each.)
            add_all_to_outbox(conn, self._outbox, self.events)
            return
        for topic, event in self.events:
            add_to_outbox(conn, self._outbox, topic, event)


class FakeUnitOfWork:
    """The unit of work of use-case tests: no database.

    ``committed`` counts clean exits and ``published`` holds the events they raised,
    in order; ``rolled_back`` counts exits by an exception (whose events are dropped).
    A service's fake subclasses it with in-memory stores of its stores' shape."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Event]] = []
        self.published: list[tuple[str, Event]] = []
        self.committed = 0
        self.rolled_back = 0
        self._open_now = False

    def emit(self, topic: str, event: Event) -> None:
        self.events.append((topic, event))

    def __enter__(self) -> Self:
        if self._open_now:
            raise RuntimeError("the unit of work is already open")
        self._open_now = True
        self.events = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._open_now = False
        if exc_type is None:
            self.committed += 1
            self.published.extend(self.events)
        else:
            self.rolled_back += 1
