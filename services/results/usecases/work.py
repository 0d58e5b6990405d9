"""The results service's unit of work: its one store on the use case's transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine

from services.results.store.records import ResultsStore
from services.results.store.tables import inbox
from shared.events.envelope import Event
from shared.events.unit_of_work import UnitOfWork


class ResultsWork(UnitOfWork):
    """``with uow:`` opens the transaction (or joins the inbox's); ``uow.results`` reads and
    writes the projection. The service publishes nothing: it has no outbox, and a use case
    that tried to raise an event would be a mistake."""

    results: ResultsStore

    def __init__(self, engine: Engine) -> None:
        # The base class wants an outbox; this service has none. Nothing is ever emitted
        # (see emit), so the table given is never written to.
        super().__init__(engine, inbox)

    @classmethod
    def joining(cls, conn: Connection, outbox: object = None) -> ResultsWork:  # type: ignore[override]
        work = cls(conn.engine)
        work._joined = conn
        return work

    def emit(self, topic: str, event: Event) -> None:
        raise RuntimeError("the results service publishes no event")

    def _open(self, conn: Connection) -> None:
        self.results = ResultsStore(conn)


def work_factory(engine: Engine) -> Callable[[], ResultsWork]:
    """A fresh unit of work per use case, on ``engine``."""
    return lambda: ResultsWork(engine)
