"""Who may call what: every endpoint against every kind of credential.

No key and a revoked key are 401; the admin token is not an agency key; an
agency key on the secretariat's endpoints is 403; another agency's resources
are 404 (their existence is not leaked); a drafter key may not send to review.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.integration.submission.conftest import ADMIN, Portal, profile

NONE, REVOKED, OTHER, DRAFTER, AGENCY_ADMIN, ADMIN_TOKEN = (
    "no key",
    "revoked key",
    "other agency's key",
    "drafter",
    "agency_admin",
    "admin token",
)
CREDENTIALS = (NONE, REVOKED, OTHER, DRAFTER, AGENCY_ADMIN, ADMIN_TOKEN)
PDF = b"%PDF-1.4 evidence"
# A public address written as such: nothing to resolve, nothing refused.
WEBHOOK_URL = "https://93.184.215.14/inagara/hooks"


@dataclass
class World:
    portal: Portal
    agency_id: str
    secrets: dict[str, str]

    def proposal(self, submitted: bool = False) -> str:
        made = self.portal.draft(self.secrets[AGENCY_ADMIN])
        if submitted:
            self.portal.as_agency(
                self.secrets[AGENCY_ADMIN], "POST", f"/v1/proposals/{made['id']}/submit", json={}
            )
        return str(made["id"])

    def evidence(self) -> tuple[str, str]:
        pid = self.proposal()
        response = self.portal.as_agency(
            self.secrets[AGENCY_ADMIN],
            "POST",
            f"/v1/proposals/{pid}/evidence",
            data={"file": (io.BytesIO(PDF), "a.pdf")},
            content_type="multipart/form-data",
        )
        return pid, str(response.get_json()["id"])

    def withdrawn(self) -> str:
        pid = self.proposal(submitted=True)
        self.portal.as_agency(
            self.secrets[AGENCY_ADMIN], "POST", f"/v1/proposals/{pid}/withdraw", json={}
        )
        return pid

    def addendum(self) -> tuple[str, str]:
        pid = self.proposal(submitted=True)
        response = self.portal.as_agency(
            self.secrets[AGENCY_ADMIN],
            "POST",
            f"/v1/proposals/{pid}/addenda",
            data={"file": (io.BytesIO(PDF), "a.pdf"), "note": "foto"},
            content_type="multipart/form-data",
        )
        return pid, str(response.get_json()["id"])

    def webhook(self, suffix: str = "") -> str:
        made = self.portal.admin(
            "POST", f"/v1/agencies/{self.agency_id}/webhooks", json={"url": WEBHOOK_URL}
        )
        return f"/v1/agencies/{self.agency_id}/webhooks/{made.get_json()['id']}{suffix}"

    def export(self) -> str:
        made = self.portal.admin("POST", "/v1/subjects/exports", json={"email": "x@example.org"})
        return str(made.get_json()["export_id"])

    def key_id(self) -> str:
        made = self.portal.admin(
            "POST", f"/v1/agencies/{self.agency_id}/keys", json={"role": "drafter"}
        )
        return str(made.get_json()["id"])


def world(portal: Portal) -> World:
    agency = portal.agency("DINKES")
    other = portal.agency("DISDIK")
    secrets = {
        DRAFTER: portal.key(agency["id"], "drafter"),
        AGENCY_ADMIN: portal.key(agency["id"], "agency_admin"),
        REVOKED: portal.key(agency["id"], "agency_admin"),
        OTHER: portal.key(other["id"], "agency_admin"),
        ADMIN_TOKEN: ADMIN,
    }
    keys = portal.admin("GET", f"/v1/agencies/{agency['id']}/keys").get_json()["items"]
    revoked = next(k for k in keys if secrets[REVOKED].startswith(f"inag_{k['prefix']}_"))
    portal.admin("DELETE", f"/v1/agencies/{agency['id']}/keys/{revoked['id']}")
    return World(portal, agency["id"], secrets)


Target = Callable[[World], tuple[str, dict[str, Any]]]


def fixed(path: str, **kwargs: Any) -> Target:
    return lambda w: (path.format(agency=w.agency_id), kwargs)


def on_proposal(suffix: str, submitted: bool = False, **kwargs: Any) -> Target:
    return lambda w: (f"/v1/proposals/{w.proposal(submitted)}{suffix}", kwargs)


def on_evidence(suffix: str = "") -> Target:
    def target(w: World) -> tuple[str, dict[str, Any]]:
        pid, eid = w.evidence()
        return f"/v1/proposals/{pid}/evidence/{eid}{suffix}", {}

    return target


def upload() -> dict[str, Any]:
    return {"data": {"file": (io.BytesIO(PDF), "a.pdf")}, "content_type": "multipart/form-data"}


def row(*statuses: int) -> dict[str, int]:
    return dict(zip(CREDENTIALS, statuses, strict=True))


SECRETARIAT = row(401, 401, 403, 403, 403, 200)
PERSON_REQUEST = row(401, 401, 404, 403, 404, 200)
OWN_AGENCY = row(401, 401, 404, 403, 200, 200)
AGENCY_READ = row(401, 401, 404, 200, 200, 401)
MATRIX: list[tuple[str, str, Target, dict[str, int]]] = [
    (
        "POST",
        "/v1/agencies",
        fixed("/v1/agencies", json={"code": "NEW", "name": "n", "type": "badan"}),
        row(401, 401, 403, 403, 403, 201),
    ),
    ("GET", "/v1/agencies", fixed("/v1/agencies"), SECRETARIAT),
    ("GET", "/v1/agencies/<agency_id>", fixed("/v1/agencies/{agency}"), OWN_AGENCY),
    (
        "PATCH",
        "/v1/agencies/<agency_id>",
        fixed("/v1/agencies/{agency}", json={"contact_email": "a@b.go.id"}),
        OWN_AGENCY,
    ),
    (
        "POST",
        "/v1/agencies/<agency_id>/keys",
        fixed("/v1/agencies/{agency}/keys", json={"role": "drafter"}),
        row(401, 401, 404, 403, 201, 201),
    ),
    ("GET", "/v1/agencies/<agency_id>/keys", fixed("/v1/agencies/{agency}/keys"), OWN_AGENCY),
    (
        "DELETE",
        "/v1/agencies/<agency_id>/keys/<key_id>",
        lambda w: (f"/v1/agencies/{w.agency_id}/keys/{w.key_id()}", {}),
        row(401, 401, 404, 403, 204, 204),
    ),
    (
        "POST",
        "/v1/agencies/<agency_id>/webhooks",
        fixed("/v1/agencies/{agency}/webhooks", json={"url": WEBHOOK_URL}),
        row(401, 401, 404, 403, 201, 201),
    ),
    (
        "GET",
        "/v1/agencies/<agency_id>/webhooks",
        fixed("/v1/agencies/{agency}/webhooks"),
        OWN_AGENCY,
    ),
    (
        "GET",
        "/v1/agencies/<agency_id>/webhooks/<endpoint_id>",
        lambda w: (w.webhook(), {}),
        OWN_AGENCY,
    ),
    (
        "PATCH",
        "/v1/agencies/<agency_id>/webhooks/<endpoint_id>",
        lambda w: (w.webhook(), {"json": {"state": "paused"}}),
        OWN_AGENCY,
    ),
    (
        "POST",
        "/v1/agencies/<agency_id>/webhooks/<endpoint_id>/rotate",
        lambda w: (w.webhook("/rotate"), {}),
        OWN_AGENCY,
    ),
    (
        "DELETE",
        "/v1/agencies/<agency_id>/webhooks/<endpoint_id>",
        lambda w: (w.webhook(), {}),
        row(401, 401, 404, 403, 204, 204),
    ),
    # Personal data requests (docs/PRIVACY.md): the secretariat, or an agency admin for its
    # own innovators (nobody@example.org is none: 404) and its own exports (one the
    # secretariat asked for is not: 404); the key lookup answers only the consumers'
    # SUBJECT_KEYS_TOKEN (none of these credentials).
    (
        "POST",
        "/v1/subjects/erasures",
        fixed("/v1/subjects/erasures", json={"email": "nobody@example.org"}),
        PERSON_REQUEST,
    ),
    (
        "POST",
        "/v1/subjects/exports",
        fixed("/v1/subjects/exports", json={"email": "nobody@example.org"}),
        PERSON_REQUEST,
    ),
    (
        "GET",
        "/v1/subjects/exports/<export_id>",
        lambda w: (f"/v1/subjects/exports/{w.export()}", {}),
        PERSON_REQUEST,
    ),
    (
        "GET",
        "/v1/subjects/<subject_id>/key",
        fixed("/v1/subjects/no-such-subject/key"),
        row(401, 401, 401, 401, 401, 401),
    ),
    ("GET", "/v1/me", fixed("/v1/me"), row(401, 401, 200, 200, 200, 401)),
    ("GET", "/v1/cycles", fixed("/v1/cycles"), row(401, 401, 200, 200, 200, 200)),
    (
        "GET",
        "/v1/cycles/<cycle_id>/participation",
        fixed("/v1/cycles/2026/participation"),
        SECRETARIAT,
    ),
    (
        "POST",
        "/v1/proposals",
        fixed("/v1/proposals?draft=true", json=profile()),
        row(401, 401, 201, 201, 201, 401),
    ),
    ("GET", "/v1/proposals", fixed("/v1/proposals"), row(401, 401, 200, 200, 200, 401)),
    ("GET", "/v1/proposals/<proposal_id>", on_proposal(""), AGENCY_READ),
    ("PUT", "/v1/proposals/<proposal_id>", on_proposal("", json=profile()), AGENCY_READ),
    (
        "POST",
        "/v1/proposals/<proposal_id>/submit",
        on_proposal("/submit", json={}),
        row(401, 401, 404, 403, 200, 401),
    ),
    (
        "POST",
        "/v1/proposals/<proposal_id>/withdraw",
        on_proposal("/withdraw", submitted=True, json={}),
        row(401, 401, 404, 403, 200, 401),
    ),
    ("GET", "/v1/proposals/<proposal_id>/versions", on_proposal("/versions"), AGENCY_READ),
    (
        "GET",
        "/v1/proposals/<proposal_id>/versions/<version>",
        on_proposal("/versions/1"),
        AGENCY_READ,
    ),
    ("GET", "/v1/proposals/<proposal_id>/timeline", on_proposal("/timeline"), AGENCY_READ),
    (
        "POST",
        "/v1/proposals/<proposal_id>/evidence",
        lambda w: (f"/v1/proposals/{w.proposal()}/evidence", upload()),
        row(401, 401, 404, 201, 201, 401),
    ),
    ("GET", "/v1/proposals/<proposal_id>/evidence", on_proposal("/evidence"), AGENCY_READ),
    ("GET", "/v1/proposals/<proposal_id>/evidence/<evidence_id>", on_evidence(), AGENCY_READ),
    (
        "GET",
        "/v1/proposals/<proposal_id>/evidence/<evidence_id>/content",
        on_evidence("/content"),
        AGENCY_READ,
    ),
    (
        "DELETE",
        "/v1/proposals/<proposal_id>/evidence/<evidence_id>",
        on_evidence(),
        row(401, 401, 404, 204, 204, 401),
    ),
    # Correcting course (issue 15, item 5): reopening and addenda go to review, so they are
    # the administrator's, like submitting; reading them is the agency's.
    (
        "POST",
        "/v1/proposals/<proposal_id>/reopen",
        lambda w: (f"/v1/proposals/{w.withdrawn()}/reopen", {}),
        row(401, 401, 404, 403, 200, 401),
    ),
    (
        "POST",
        "/v1/proposals/<proposal_id>/addenda",
        lambda w: (f"/v1/proposals/{w.proposal(submitted=True)}/addenda", upload()),
        row(401, 401, 404, 403, 201, 401),
    ),
    ("GET", "/v1/proposals/<proposal_id>/addenda", on_proposal("/addenda"), AGENCY_READ),
    (
        "GET",
        "/v1/proposals/<proposal_id>/addenda/<addendum_id>/content",
        lambda w: ("/v1/proposals/{}/addenda/{}/content".format(*w.addendum()), {}),
        AGENCY_READ,
    ),
]


def test_every_endpoint_answers_every_credential_as_expected(portal: Portal) -> None:
    w = world(portal)
    wrong = []
    for method, name, target, expected in MATRIX:
        for credential in CREDENTIALS:
            path, kwargs = target(w)
            headers = (
                {"Authorization": f"Bearer {w.secrets[credential]}"} if credential != NONE else {}
            )
            response = portal.client.open(path, method=method, headers=headers, **kwargs)
            if response.status_code != expected[credential]:
                wrong.append(
                    f"{method} {name} with {credential}: {response.status_code}, expected {expected[credential]}"
                )
            if response.status_code >= 400:
                assert response.mimetype == "application/problem+json", (method, name, credential)
    assert not wrong, "\n".join(wrong)


def test_the_matrix_covers_every_endpoint(portal: Portal) -> None:
    routes = {
        (method, re.sub(r"<[^<>:]+:", "<", re.sub(r"\([^)]*\)", "", rule.rule)))
        for rule in portal.app.url_map.iter_rules()
        if rule.rule.startswith("/v1/")
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    assert routes == {(method, name) for method, name, _, _ in MATRIX}
