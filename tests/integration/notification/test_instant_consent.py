"""SMS and WhatsApp only with a lawful basis (docs/PRIVACY.md, "Consent"), through the
recorder on the real database (SQLite and PostgreSQL): with ``require_basis`` an
innovator without consent in the submission, and without an instant channel of their own
choosing, gets email only, and the delivery log keeps the withheld message as skipped
with the reason; the basis is kept in the projection for the later review events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select

from services.notification import store
from services.notification.adapters.clock import FakeClock
from services.notification.consumers import handlers_for
from services.notification.domain.messages import EMAIL, PENDING, SKIPPED, SMS, Preference
from services.notification.domain.policy import InstantLimits
from services.notification.store.preferences import PreferenceStore
from services.notification.store.tables import deliveries
from services.notification.usecases.recording import Recorder
from shared.events.envelope import Event
from shared.events.inbox import dispatcher as inbox_dispatcher
from shared.platform.db import create_schema, make_engine
from tests.unit.notification import factories

NOON_IN_JAKARTA = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
CONSENTED = "+6281234560001"  # factories.innovator(1)
SILENT = "+6281234560002"
CHOSE_SMS = "+6281234560003"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    create_schema(engine, store.metadata)
    yield engine
    engine.dispose()


def recorder(require_basis: bool) -> Recorder:
    return Recorder(
        sms=True,
        clock=FakeClock(NOON_IN_JAKARTA),
        secret="s",
        limits=InstantLimits(daily_cap=0),
        require_basis=require_basis,
    )


def consume(engine: Engine, recorder: Recorder, *events: Event) -> None:
    handle = inbox_dispatcher(engine, store.inbox, handlers_for(recorder))
    for event in events:
        handle(event)


def season() -> tuple[Event, Event]:
    submitted = factories.submitted(
        innovators=[
            factories.innovator(1, instant_consent_at="2026-02-27T09:00:00+07:00"),
            factories.innovator(2),
            factories.innovator(3),
        ]
    )
    proposal_id = submitted["proposal_id"]
    return (
        factories.event("proposal.submitted", submitted),
        factories.event("proposal.scored", factories.payload_for("proposal.scored", proposal_id)),
    )


def rows(engine: Engine, event: Event) -> dict[tuple[str, str], dict[str, Any]]:
    with engine.connect() as conn:
        found = conn.execute(select(deliveries).where(deliveries.c.event_id == event.id))
        return {(r.channel, r.recipient): dict(r._mapping) for r in found}


def test_without_a_basis_an_innovator_gets_email_and_the_log_says_why(engine: Engine) -> None:
    with engine.begin() as conn:  # innovator 3 chose SMS on the preferences page
        PreferenceStore(conn).save(Preference(CHOSE_SMS, instant=SMS))
    submitted, scored = season()

    consume(engine, recorder(require_basis=True), submitted, scored)

    for event in (submitted, scored):
        found = rows(engine, event)
        instant = {r: found[(SMS, r)] for r in (CONSENTED, SILENT, CHOSE_SMS)}
        assert instant[CONSENTED]["status"] == PENDING and instant[CONSENTED]["note"] is None
        assert instant[CHOSE_SMS]["status"] == PENDING
        assert instant[SILENT]["status"] == SKIPPED
        assert "no lawful basis" in instant[SILENT]["note"]
        assert found[(EMAIL, "innovator2@dinkes.example.go.id")]["status"] == PENDING


def test_without_the_requirement_everyone_with_a_phone_gets_instant_messages(
    engine: Engine,
) -> None:
    submitted, _ = season()

    consume(engine, recorder(require_basis=False), submitted)

    found = rows(engine, submitted)
    assert {found[(SMS, r)]["status"] for r in (CONSENTED, SILENT, CHOSE_SMS)} == {PENDING}
