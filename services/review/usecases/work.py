"""The review service's unit of work: its stores on the use case's one transaction."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine

from services.review.store import outbox
from services.review.store.appointments import AppointmentStore
from services.review.store.assignments import AssignmentStore
from services.review.store.audit import AuditLog
from services.review.store.cycles import CycleStore
from services.review.store.exports import ExportStore
from services.review.store.login_failures import LoginFailureStore
from services.review.store.objections import ObjectionStore
from services.review.store.people import PeopleStore
from services.review.store.proposals import ProposalStore
from services.review.store.registry import AgencyStore, ConflictStore
from services.review.store.second_factors import SecondFactorStore
from shared.events.unit_of_work import UnitOfWork
from shared.events.wakeup import Wakeup


class ReviewWork(UnitOfWork):
    """``with uow:`` opens the transaction; the stores below live on its connection."""

    proposals: ProposalStore
    assignments: AssignmentStore
    cycles: CycleStore
    people: PeopleStore
    audit: AuditLog
    login_failures: LoginFailureStore
    exports: ExportStore
    agencies: AgencyStore
    conflicts: ConflictStore
    second_factors: SecondFactorStore
    appointments: AppointmentStore
    objections: ObjectionStore

    def _open(self, conn: Connection) -> None:
        self.proposals = ProposalStore(conn)
        self.assignments = AssignmentStore(conn)
        self.cycles = CycleStore(conn)
        self.people = PeopleStore(conn)
        self.audit = AuditLog(conn)
        self.login_failures = LoginFailureStore(conn)
        self.exports = ExportStore(conn)
        self.agencies = AgencyStore(conn)
        self.conflicts = ConflictStore(conn)
        self.second_factors = SecondFactorStore(conn)
        self.appointments = AppointmentStore(conn)
        self.objections = ObjectionStore(conn)


def work_factory(engine: Engine, wakeup: Wakeup | None = None) -> Callable[[], ReviewWork]:
    """What the app and the worker hold: a fresh unit of work per use case."""
    return lambda: ReviewWork(engine, outbox, wakeup)
