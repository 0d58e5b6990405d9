"""``proposal.retained`` in the review service, on a real database (SQLite and
PostgreSQL): innovators it holds in plain text (v1 events) become "Inovator N" (erased)
or keep only their names (minimised, awarded); an erased proposal's evidence files lose
their names; sealed innovators (v2) stay sealed; the API still shows the proposal."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from services.review.store import tables
from shared.events.catalog import PROPOSAL_RETAINED, PROPOSAL_SUBMITTED, spec_for
from shared.events.envelope import Event
from tests.integration.review.support import (
    ADMIN,
    auth,
    deliver,
    engine_of,
    make_app,
    submitted_event,
)

AYU = {"name": "Ayu Lestari", "email": "ayu@dinkes.example.go.id", "phone": "081298765432"}
SEALED = {"subject": "subject-budi", "sealed": "c2VhbGVk"}
EVIDENCE = [
    {
        "id": "e-1",
        "filename": "KTP Ayu Lestari.pdf",
        "content_type": "application/pdf",
        "size": 1200,
        "sha256": "a" * 64,
    }
]


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    engine_of(app).dispose()


def submitted(*innovators: dict[str, Any], version: int = 1) -> Event:
    """A proposal event with evidence, its innovators as given (v2: sealed ones)."""
    event = submitted_event("DINKES")
    spec = spec_for(PROPOSAL_SUBMITTED, version)
    data = {
        **event.data,
        "evidence": EVIDENCE,
        "profile": {**event.data["profile"], "innovators": list(innovators)},
    }
    return dataclasses.replace(
        event, data=spec.validator.dump(spec.validator.load(data)), dataschema=spec.dataschema
    )


def retained(proposal_id: str, outcome: str) -> Event:
    spec = spec_for(PROPOSAL_RETAINED)
    return Event(
        type=spec.type,
        source="/inagara/submission",
        subject=proposal_id,
        data=spec.validator.dump(
            {
                "proposal_id": proposal_id,
                "cycle_id": "2025",
                "outcome": outcome,
                "retained_at": datetime.now(UTC),
            }
        ),
        dataschema=spec.dataschema,
    )


def stored(app: Flask, proposal_id: str) -> Any:
    with engine_of(app).connect() as conn:
        return conn.execute(
            tables.proposals.select().where(tables.proposals.c.id == proposal_id)
        ).one()


def test_an_erased_proposal_keeps_nobody_and_no_file_name(app: Flask) -> None:
    event = submitted(dict(AYU))
    deliver(app, event)
    assert "Ayu" in str(stored(app, event.subject).profile)

    deliver(app, retained(event.subject, "erased"))
    deliver(app, retained(event.subject, "erased"))  # another event, the same result

    row = stored(app, event.subject)
    assert row.profile["innovators"] == [{"name": "Inovator 1", "erased": True}]
    assert [(f["filename"], f["deleted"], f["sha256"]) for f in row.evidence] == [
        ("berkas-1", True, "a" * 64)
    ]
    assert "Ayu" not in str(row.profile) + str(row.evidence)
    assert "ayu@" not in str(row.profile) and "0812" not in str(row.profile)
    shown = app.test_client().get(f"/v1/proposals/{event.subject}", headers=auth(ADMIN))
    assert shown.status_code == 200 and "Ayu" not in shown.get_data(as_text=True)


def test_an_awarded_proposal_keeps_the_names_and_its_files(app: Flask) -> None:
    event = submitted(dict(AYU, instant_consent_at="2026-02-27T09:00:00+07:00"))
    deliver(app, event)

    deliver(app, retained(event.subject, "minimised"))

    row = stored(app, event.subject)
    assert row.profile["innovators"] == [{"name": "Ayu Lestari", "minimised": True}]
    assert row.evidence[0]["filename"] == "KTP Ayu Lestari.pdf"


def test_sealed_innovators_stay_sealed_and_an_unknown_proposal_is_nothing_to_do(
    app: Flask,
) -> None:
    deliver(app, retained("never-received", "erased"))  # handled, no failure

    event = submitted(dict(SEALED), version=2)
    deliver(app, event)
    deliver(app, retained(event.subject, "erased"))

    row = stored(app, event.subject)
    assert row.profile["innovators"] == [SEALED]  # its key is the submission's to shred
    assert row.evidence[0]["filename"] == "berkas-1"
