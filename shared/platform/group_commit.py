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
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.sql import Executable, Insert

# One write: a statement built once and its parameters.
Write = tuple[Executable, dict[str, Any]]


@dataclass
class _Member:
    writes: list[Write]
    turn: threading.Event = field(default_factory=threading.Event)
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

    def __init__(self, engine: Engine, max_batch: int = 64) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: list[_Member] = []
        self._leading = False
        self.transactions = 0  # how many commits (for tests and the curious)
        self.committed = 0  # how many units of work they carried

    def commit(self, writes: list[Write]) -> None:
        """Commit ``writes``; return once they are committed, or raise what failed them."""
        member = _Member(writes)
        with self._lock:
            self._queue.append(member)
            lead = not self._leading
            self._leading = True
        if not lead:
            member.turn.wait()
        if not member.done:  # first here, or handed the lead
            self._lead(member)
        if member.error is not None:
            raise member.error

    def _lead(self, own: _Member) -> None:
        try:
            while not own.done:
                with self._lock:
                    batch = self._queue[: self._max_batch]
                    del self._queue[: self._max_batch]
                try:
                    self._run(batch)
                except BaseException as exc:  # none of them may wait for ever
                    for member in batch:
                        member.error = member.error or exc
                    raise
                finally:
                    for member in batch:
                        member.done = True
                        if member is not own:
                            member.turn.set()
        finally:
            with self._lock:
                if self._queue:
                    self._queue[0].turn.set()  # it leads the next transaction
                else:
                    self._leading = False

    def _run(self, batch: list[_Member]) -> None:
        try:
            with self._engine.begin() as conn:
                _execute(conn, batch)
            self.transactions += 1
            self.committed += len(batch)
            return
        except Exception as exc:
            if len(batch) == 1 and not _pipelines(self._engine):
                batch[0].error = exc
                return
        # Alone, so that only the culprit fails; and not pipelined, so that it fails with
        # its own statement's error (a lone member pipelined is tried once more for it).
        for member in batch:
            try:
                with self._engine.begin() as conn:
                    _execute(conn, [member], pipelined=False)
                self.transactions += 1
                self.committed += 1
            except Exception as exc:
                member.error = exc
