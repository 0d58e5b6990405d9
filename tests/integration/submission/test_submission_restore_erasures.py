"""Erasures survive a restore (docs/OPERATE.md, "Back up and restore"), on SQLite and
PostgreSQL: ``flask erased-subjects --since`` lists the ids erased since a backup (they
name nobody), and after the backup is restored (the person's row, key and profiles back)
``flask reapply-erasures`` erases them again through the erasure path, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from services.submission import store
from services.submission.config import SubmissionSettings
from shared.events.envelope import from_record
from tests.integration.submission.conftest import ADMIN, Portal

KEYS = "keys-token-for-tests"
AYU = {"name": "Ayu Lestari", "email": "ayu@dinkes.example.go.id", "phone": "081298765432"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> SubmissionSettings:
    return SubmissionSettings(
        service="submission",
        database_url=database_url,
        admin_token=ADMIN,
        evidence_dir=str(tmp_path / "evidence"),
        proposal_event_version=2,
        subject_keys_token=KEYS,
    )


def rows(app: Flask) -> tuple[list[Any], list[Any]]:
    with app.extensions["inagara"].engine.connect() as conn:
        return (
            conn.execute(select(store.subjects)).all(),
            conn.execute(select(store.proposals.c.id, store.proposals.c.profile)).all(),
        )


def erased_events(app: Flask) -> list[str]:
    with app.extensions["inagara"].engine.connect() as conn:
        found = conn.execute(select(store.outbox).order_by(store.outbox.c.id)).all()
    events = [from_record(r.key, r.value, [(n, v.encode()) for n, v in r.headers]) for r in found]
    return [e.data["subject_id"] for e in events if e.type == "subject.erased"]


def test_an_erasure_is_applied_again_after_a_restore(
    app: Flask, portal: Portal, admin_key: str
) -> None:
    pid = str(portal.submitted(admin_key, innovators=[dict(AYU)])["id"])
    backup = rows(app)  # what a backup taken now holds
    [subject] = [s.id for s in backup[0]]
    before = datetime.now(UTC) - timedelta(seconds=1)
    erased = portal.admin("POST", "/v1/subjects/erasures", json={"email": AYU["email"]})
    assert erased.status_code == 200, erased.get_json()

    listed = app.test_cli_runner().invoke(args=["erased-subjects", "--since", before.isoformat()])
    assert listed.exit_code == 0, listed.output
    assert listed.output.split() == [subject]

    with app.extensions["inagara"].engine.begin() as conn:  # the restore of that backup
        for row in backup[0]:
            conn.execute(
                update(store.subjects)
                .where(store.subjects.c.id == row.id)
                .values(email=row.email, phone=row.phone, key=row.key, erased_at=None)
            )
        for row in backup[1]:
            conn.execute(
                update(store.proposals)
                .where(store.proposals.c.id == row.id)
                .values(profile=row.profile)
            )
    assert "Ayu" in str(portal.proposal(admin_key, pid)), "the restore brought her back"
    assert (
        portal.client.get(
            f"/v1/subjects/{subject}/key", headers={"Authorization": f"Bearer {KEYS}"}
        ).status_code
        == 200
    )

    again = app.test_cli_runner().invoke(args=["reapply-erasures", "-"], input=listed.output)

    assert again.exit_code == 0 and "erased_again=1 of 1" in again.output, again.output
    assert "Ayu" not in str(portal.proposal(admin_key, pid))
    assert "ayu@" not in str(rows(app)) and "81298765432" not in str(rows(app))
    assert (
        portal.client.get(
            f"/v1/subjects/{subject}/key", headers={"Authorization": f"Bearer {KEYS}"}
        ).status_code
        == 410
    )
    assert erased_events(app) == [subject, subject], "the other services are told again"
    twice = app.test_cli_runner().invoke(args=["reapply-erasures", "-"], input=listed.output)
    assert "erased_again=0 of 1" in twice.output and erased_events(app) == [subject, subject]
