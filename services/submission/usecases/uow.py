"""The submission service's unit of work: one transaction, and the events it causes.

A use case opens one (``with UnitOfWork(engine) as uow``), hands ``uow.conn`` to the
store's queries and ``uow.publish`` the events its change caused; leaving the block
writes those events to the outbox and commits everything together, or rolls it all
back (events included) when the block raises. It is the only place a transaction
of a use case opens.
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine

from services.submission.store.tables import outbox
from shared.events.envelope import Event
from shared.events.outbox import add_to_outbox


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.events: list[tuple[str, Event]] = []

    def __enter__(self) -> UnitOfWork:
        self._transaction = self._engine.begin()
        self.conn: Connection = self._transaction.__enter__()
        self.events = []
        return self

    def publish(self, topic: str, event: Event) -> None:
        """Send ``event`` to ``topic`` if, and only if, this unit of work commits."""
        self.events.append((topic, event))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> bool | None:
        if kind is None:
            try:
                for topic, event in self.events:
                    add_to_outbox(self.conn, outbox, topic, event)
            except BaseException as failed:
                self._transaction.__exit__(type(failed), failed, failed.__traceback__)
                raise
        return self._transaction.__exit__(kind, error, trace)
