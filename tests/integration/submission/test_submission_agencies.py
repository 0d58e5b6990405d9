"""Agencies and API keys: the secretariat registers, keys are shown once, revoked at
once (by every other web process within the key cache's bound)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from services.submission import store
from services.submission.api.auth import KEY_CACHE_SECONDS
from services.submission.app import create_app
from services.submission.config import SubmissionSettings
from services.submission.store.registry import RecentKeys
from shared.events.catalog import AGENCY_API_KEY_CHANGED
from tests.integration.submission.conftest import Portal, auth


def test_an_agency_is_registered_with_its_phone_in_e164_and_its_parent(portal: Portal) -> None:
    kecamatan = portal.agency("KEC-SUKAJADI", type="kecamatan")
    kelurahan = portal.agency(
        "KEL-PASTEUR",
        name="Kelurahan Pasteur",
        type="kelurahan",
        parent_id=kecamatan["id"],
        contact_email="lurah@pasteur.example.go.id",
        contact_phone="0812-3456-7890",
    )
    assert kelurahan["parent_id"] == kecamatan["id"]
    assert kelurahan["contact_phone"] == "+6281234567890"
    assert kelurahan["allow_drafter_submit"] is False
    listed = portal.admin("GET", "/v1/agencies").get_json()["items"]
    assert [a["code"] for a in listed] == ["KEC-SUKAJADI", "KEL-PASTEUR"]


def test_bad_agencies_are_refused_field_by_field(portal: Portal) -> None:
    portal.agency("DINKES")
    duplicate = portal.admin(
        "POST", "/v1/agencies", json={"code": "DINKES", "name": "x", "type": "dinas"}
    )
    assert duplicate.status_code == 409
    bad = portal.admin(
        "POST",
        "/v1/agencies",
        json={
            "code": "has space",
            "name": "",
            "type": "ministry",
            "contact_phone": "12",
            "contact_email": "no",
        },
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {
        "code",
        "name",
        "type",
        "contact_phone",
        "contact_email",
    }
    orphan = portal.admin(
        "POST",
        "/v1/agencies",
        json={"code": "KEL-X", "name": "x", "type": "kelurahan", "parent_id": "nope"},
    )
    assert orphan.status_code == 422 and "parent_id" in orphan.get_json()["errors"]


def test_the_demo_codes_are_refused_so_a_real_agency_never_meets_the_demo(
    portal: Portal,
) -> None:
    for code in ("DEMO-DINKES", "demo-x"):
        refused = portal.admin(
            "POST", "/v1/agencies", json={"code": code, "name": "Demo", "type": "dinas"}
        )
        assert refused.status_code == 422
        assert "DEMO-" in refused.get_json()["errors"]["code"][0]
    assert portal.agency("DINKES")["code"] == "DINKES"  # and the real code is free


def test_a_key_secret_is_shown_once_and_stored_only_as_a_hash(
    portal: Portal, agency: dict[str, Any]
) -> None:
    created = portal.admin(
        "POST",
        f"/v1/agencies/{agency['id']}/keys",
        json={"role": "drafter", "label": "Puskesmas Sukajadi"},
    ).get_json()
    assert created["secret"].startswith(f"inag_{created['prefix']}_")
    listed = portal.admin("GET", f"/v1/agencies/{agency['id']}/keys").get_json()["items"]
    assert [k["prefix"] for k in listed] == [created["prefix"]]
    assert "secret" not in listed[0] and listed[0]["last_used_at"] is None
    with portal.app.extensions["inagara"].engine.connect() as conn:
        stored = conn.execute(select(store.api_keys)).one()
    assert created["secret"] not in str(stored._mapping.values())

    assert portal.as_agency(created["secret"], "GET", "/v1/me").get_json()["role"] == "drafter"
    used = portal.admin("GET", f"/v1/agencies/{agency['id']}/keys").get_json()["items"][0]
    assert used["last_used_at"] is not None


def test_a_revoked_key_is_refused_at_once(
    portal: Portal, agency: dict[str, Any], admin_key: str
) -> None:
    assert portal.as_agency(admin_key, "GET", "/v1/me").status_code == 200
    key_id = portal.admin("GET", f"/v1/agencies/{agency['id']}/keys").get_json()["items"][0]["id"]
    assert portal.admin("DELETE", f"/v1/agencies/{agency['id']}/keys/{key_id}").status_code == 204
    assert portal.as_agency(admin_key, "GET", "/v1/me").status_code == 401
    assert portal.admin("DELETE", f"/v1/agencies/{agency['id']}/keys/{key_id}").status_code == 204
    assert portal.admin("DELETE", f"/v1/agencies/{agency['id']}/keys/unknown").status_code == 404


def test_another_process_refuses_a_revoked_key_within_the_cache_bound(
    portal: Portal, settings: SubmissionSettings, agency: dict[str, Any], admin_key: str
) -> None:
    other = create_app(settings)  # another web process over the same database
    now = [100.0]
    context = other.extensions["submission"]
    other.extensions["submission"] = replace(
        context, keys=RecentKeys(KEY_CACHE_SECONDS, clock=lambda: now[0])
    )
    try:
        elsewhere = other.test_client()
        assert elsewhere.get("/v1/me", headers=auth(admin_key)).status_code == 200
        key_id = portal.admin("GET", f"/v1/agencies/{agency['id']}/keys").get_json()["items"][0]
        portal.admin("DELETE", f"/v1/agencies/{agency['id']}/keys/{key_id['id']}")
        assert portal.as_agency(admin_key, "GET", "/v1/me").status_code == 401  # here: at once

        now[0] += KEY_CACHE_SECONDS - 0.1  # there: still remembered, as documented
        assert elsewhere.get("/v1/me", headers=auth(admin_key)).status_code == 200
        now[0] += 0.1
        assert elsewhere.get("/v1/me", headers=auth(admin_key)).status_code == 401
        now[0] += 60  # and a refusal is never remembered
        assert elsewhere.get("/v1/me", headers=auth(admin_key)).status_code == 401
    finally:
        other.extensions["inagara"].engine.dispose()


def test_an_agency_admin_manages_its_own_keys_and_settings_but_not_its_identity(
    portal: Portal, agency: dict[str, Any], admin_key: str, drafter_key: str
) -> None:
    made = portal.as_agency(
        admin_key, "POST", f"/v1/agencies/{agency['id']}/keys", json={"role": "drafter"}
    )
    assert made.status_code == 201
    assert (
        portal.as_agency(drafter_key, "GET", f"/v1/agencies/{agency['id']}/keys").status_code == 403
    )
    allowed = portal.as_agency(
        admin_key, "PATCH", f"/v1/agencies/{agency['id']}", json={"allow_drafter_submit": True}
    )
    assert allowed.status_code == 200 and allowed.get_json()["allow_drafter_submit"] is True
    renamed = portal.as_agency(
        admin_key, "PATCH", f"/v1/agencies/{agency['id']}", json={"code": "X"}
    )
    assert renamed.status_code == 422  # code is not a changeable field at all
    retyped = portal.as_agency(
        admin_key, "PATCH", f"/v1/agencies/{agency['id']}", json={"type": "badan"}
    )
    assert retyped.status_code == 403
    assert (
        portal.admin("PATCH", f"/v1/agencies/{agency['id']}", json={"type": "badan"}).get_json()[
            "type"
        ]
        == "badan"
    )
    me = portal.as_agency(drafter_key, "GET", "/v1/me").get_json()
    assert me["may_submit"] is True and me["agency"]["code"] == "DINKES"


def test_creating_posts_are_idempotent(portal: Portal, agency: dict[str, Any]) -> None:
    body = {"code": "DISDIK", "name": "Dinas Pendidikan", "type": "dinas"}
    headers = {"Idempotency-Key": "register-disdik"}
    first = portal.admin("POST", "/v1/agencies", json=body, headers=headers)
    again = portal.admin("POST", "/v1/agencies", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = portal.admin("POST", "/v1/agencies", json={**body, "name": "Other"}, headers=headers)
    assert other.status_code == 422 and "Idempotency-Key" in other.get_json()["detail"]

    key_headers = {"Idempotency-Key": "key-1"}
    path = f"/v1/agencies/{agency['id']}/keys"
    created = portal.admin("POST", path, json={"role": "drafter"}, headers=key_headers).get_json()
    replayed = portal.admin("POST", path, json={"role": "drafter"}, headers=key_headers).get_json()
    assert created["secret"] and replayed["secret"] is None
    assert replayed["id"] == created["id"]
    assert len(portal.admin("GET", path).get_json()["items"]) == 1


def test_a_failed_request_does_not_use_up_its_idempotency_key(portal: Portal) -> None:
    headers = {"Idempotency-Key": "retry-after-fix"}
    refused = portal.admin(
        "POST", "/v1/agencies", json={"code": "A1", "name": "", "type": "dinas"}, headers=headers
    )
    assert refused.status_code == 422
    fixed = portal.admin(
        "POST", "/v1/agencies", json={"code": "A1", "name": "A", "type": "dinas"}, headers=headers
    )
    assert fixed.status_code == 201


def test_the_agency_key_header_must_be_a_bearer(portal: Portal, admin_key: str) -> None:
    assert (
        portal.client.get("/v1/me", headers={"Authorization": f"Basic {admin_key}"}).status_code
        == 401
    )
    assert portal.client.get("/v1/me", headers=auth(admin_key)).status_code == 200


def test_the_docs_page_works_without_the_internet(portal: Portal) -> None:
    page = portal.client.get("/docs").get_data(as_text=True)
    assert "cdn.jsdelivr.net" not in page
    assert 'src="docs/assets/swagger-ui-bundle.js"' in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        response = portal.client.get(f"/docs/assets/{asset}")
        assert response.status_code == 200 and len(response.data) > 1000, asset
        response.close()
    assert (
        portal.client.get("/openapi.json").get_json()["info"]["title"] == "Inagara submission API"
    )


def test_the_documented_examples_are_accepted_as_they_stand(portal: Portal) -> None:
    document = portal.client.get("/openapi.json").get_json()

    def example(path: str) -> dict[str, Any]:
        return dict(
            document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["example"]
        )

    agency = portal.admin("POST", "/v1/agencies", json=example("/v1/agencies"))
    assert agency.status_code == 201, agency.get_json()
    key = portal.admin(
        "POST",
        f"/v1/agencies/{agency.get_json()['id']}/keys",
        json=example("/v1/agencies/{agency_id}/keys"),
    )
    assert key.status_code == 201, key.get_json()
    admin_key = portal.key(agency.get_json()["id"])
    proposal = portal.as_agency(admin_key, "POST", "/v1/proposals", json=example("/v1/proposals"))
    assert proposal.status_code == 201, proposal.get_json()


def test_agencies_made_outside_the_api_also_get_e164_phones(portal: Portal) -> None:
    with portal.app.extensions["inagara"].engine.begin() as conn:
        agency = store.create_agency(
            conn, "CLI", "Dinas CLI", "dinas", "a@b.go.id", "0812-3456-7890"
        )
    assert agency.contact_phone == "+6281234567890"


def test_each_key_issued_or_revoked_is_announced_as_a_hash_never_the_key(portal: Portal) -> None:
    agency = portal.agency()
    made = portal.admin("POST", f"/v1/agencies/{agency['id']}/keys", json={"role": "drafter"})
    secret, key_id = made.get_json()["secret"], made.get_json()["id"]
    assert portal.admin("DELETE", f"/v1/agencies/{agency['id']}/keys/{key_id}").status_code == 204

    engine = portal.app.extensions["inagara"].engine
    with engine.connect() as conn:
        rows = conn.execute(
            select(store.outbox.c.value)
            .where(store.outbox.c.event_type == AGENCY_API_KEY_CHANGED)
            .order_by(store.outbox.c.id)
        ).all()
    told = [t for t in (json.loads(row.value) for row in rows) if t["key_id"] == key_id]
    assert [(t["role"], t["revoked_at"] is None) for t in told] == [
        ("drafter", True),
        ("drafter", False),
    ]
    assert {t["secret_hash"] for t in told} == {hashlib.sha256(secret.encode()).hexdigest()}
    assert all(t["agency_id"] == agency["id"] for t in told)
    assert secret not in str(rows) and secret.split("_")[2] not in str(rows)
