"""``proposal.retained`` in the notification service (docs/PRIVACY.md, "Retention"), on
SQLite and PostgreSQL: the proposal's innovators leave the projection and its
deliveries to them go; the agency contact's stay, and so does everything about the
same person's other proposals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from services.notification import store
from services.notification.consumers import handlers_for
from services.notification.store.projection import ProjectionStore
from services.notification.store.tables import deliveries
from services.notification.usecases.recording import Recorder
from shared.events.inbox import dispatcher as inbox_dispatcher
from shared.platform.db import create_schema, make_engine
from tests.unit.notification import factories

INNOVATOR = "innovator1@dinkes.example.go.id"
CONTACT = "inovasi@dinkes.example.go.id"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    create_schema(engine, store.metadata)
    yield engine
    engine.dispose()


def recipients(engine: Engine, proposal_id: str) -> set[str]:
    with engine.connect() as conn:
        found = conn.execute(
            select(deliveries.c.recipient).where(deliveries.c.proposal_id == proposal_id)
        )
        return set(found.scalars())


def test_a_retained_proposal_forgets_its_innovators_only(engine: Engine) -> None:
    handle = inbox_dispatcher(engine, store.inbox, handlers_for(Recorder(sms=True, secret="s")))
    expired, live = (
        factories.submitted(innovators=[factories.innovator(1), factories.innovator(2)]),
        factories.submitted(innovators=[factories.innovator(1)]),
    )
    for payload in (expired, live):
        handle(factories.event("proposal.submitted", payload))
        handle(
            factories.event(
                "proposal.scored",
                factories.payload_for("proposal.scored", payload["proposal_id"]),
            )
        )
    assert {INNOVATOR, CONTACT} <= recipients(engine, expired["proposal_id"])

    handle(
        factories.event(
            "proposal.retained",
            {
                "proposal_id": expired["proposal_id"],
                "cycle_id": "2025",
                "outcome": "erased",
                "retained_at": "2027-03-01T00:00:00+00:00",
            },
        )
    )

    assert recipients(engine, expired["proposal_id"]) == {CONTACT}
    assert INNOVATOR in recipients(engine, live["proposal_id"])
    with engine.connect() as conn:
        projection = ProjectionStore(conn)
        retained = projection.find_proposal(expired["proposal_id"])
        kept = projection.find_proposal(live["proposal_id"])
    assert retained is not None and retained.innovators == ()
    assert kept is not None and [p.email for p in kept.innovators] == [INNOVATOR]
