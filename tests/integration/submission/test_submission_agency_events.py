"""The register as events: registering and changing an agency writes agency.registered /
agency.updated into the outbox in the same transaction; the migration announces the
agencies registered before the events existed."""

from __future__ import annotations

import json
from typing import Any

from alembic import command
from flask import Flask
from sqlalchemy import delete, select

from services.submission import store
from services.submission.migrations import SCHEMA
from shared.events.catalog import AGENCY_REGISTERED, AGENCY_UPDATED
from shared.platform.migrations import config
from tests.integration.submission.conftest import Portal


def _announced(app: Flask) -> list[tuple[str, dict[str, Any]]]:
    engine = app.extensions["inagara"].engine
    with engine.connect() as conn:
        rows = conn.execute(select(store.outbox).order_by(store.outbox.c.id)).mappings().all()
    return [
        (r["event_type"], json.loads(r["value"]))
        for r in rows
        if r["event_type"] in (AGENCY_REGISTERED, AGENCY_UPDATED)
    ]


def test_registering_and_changing_an_agency_announces_it(portal: Portal, app: Flask) -> None:
    kecamatan = portal.agency("KEC-SUKAJADI", type="kecamatan")
    kelurahan = portal.agency("KEL-PASTEUR", type="kelurahan", parent_id=kecamatan["id"])
    # Contact details are not the register's business: nothing announced.
    portal.admin(
        "PATCH", f"/v1/agencies/{kelurahan['id']}", json={"contact_email": "a@b.example.go.id"}
    )
    portal.admin("PATCH", f"/v1/agencies/{kelurahan['id']}", json={"name": "Kelurahan Pasteur"})
    announced = _announced(app)
    assert [(t, d["code"]) for t, d in announced] == [
        (AGENCY_REGISTERED, "KEC-SUKAJADI"),
        (AGENCY_REGISTERED, "KEL-PASTEUR"),
        (AGENCY_UPDATED, "KEL-PASTEUR"),
    ]
    _, updated = announced[-1]
    assert updated["name"] == "Kelurahan Pasteur" and updated["kind"] == "kelurahan"
    assert updated["parent_code"] == "KEC-SUKAJADI" and updated["agency_id"] == kelurahan["id"]
    assert announced[0][1]["parent_code"] is None


def test_the_migration_announces_agencies_registered_before(portal: Portal, app: Flask) -> None:
    kecamatan = portal.agency("KEC-CIDADAP", type="kecamatan")
    portal.agency("KEL-HEGARMANAH", type="kelurahan", parent_id=kecamatan["id"])
    engine = app.extensions["inagara"].engine
    with engine.begin() as conn:  # as if registered before the events existed
        conn.execute(delete(store.outbox))
    # The database as the release before left it, then this release's migrations.
    cfg = config(SCHEMA, engine.url.render_as_string(hide_password=False))
    command.stamp(cfg, "4e8a1c7d2b90")
    command.upgrade(cfg, "a3f9c2e1d470")  # the announcing migration (later ones add tables)
    command.stamp(cfg, "head")
    announced = _announced(app)
    assert [(t, d["code"], d["parent_code"]) for t, d in announced] == [
        (AGENCY_REGISTERED, "KEC-CIDADAP", None),
        (AGENCY_REGISTERED, "KEL-HEGARMANAH", "KEC-CIDADAP"),
    ]


def test_announce_agencies_announces_the_whole_register_again(portal: Portal, app: Flask) -> None:
    portal.agency("KEC-COBLONG", type="kecamatan")
    before = len(_announced(app))
    result = app.test_cli_runner().invoke(args=["announce-agencies"])
    assert result.exit_code == 0, result.output
    again = _announced(app)[before:]
    assert result.output.strip() == f"announced={len(again)}"
    assert AGENCY_UPDATED in {t for t, _ in again}
    assert "KEC-COBLONG" in {d["code"] for _, d in again}
