"""Schema-driven fuzz of the submission API (tests/fuzzing.py): with valid credentials,
valid and invalid data, every answer must be no 5xx and conform to the document.
20 examples per operation and mode (about 15 s on PostgreSQL)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.fuzzing import fuzz_app
from tests.integration.submission.conftest import ADMIN, Portal


def test_no_request_makes_the_api_fail_or_break_its_contract(app: Flask, portal: Portal) -> None:
    agency = portal.agency("DINKES")
    key = portal.key(agency["id"])
    # Real ids for the path, so that generated bodies and queries reach the logic.
    fixed = {"agency_id": agency["id"], "proposal_id": portal.draft(key)["id"]}

    def secret_for(operation: Any) -> str:
        path = operation.path
        secretariat = path.startswith("/v1/agencies") or path.endswith("/participation")
        return ADMIN if secretariat else key

    # A webhook URL is resolved (DNS) before it is refused or kept: fewer of those.
    resolving = {
        "POST /v1/agencies/{agency_id}/webhooks": 8,
        "PATCH /v1/agencies/{agency_id}/webhooks/{endpoint_id}": 8,
    }
    fuzz_app(app, secret_for, fixed, operation_count=38, examples=20, fewer=resolving)
