"""Schema-driven fuzz: schemathesis generates requests for every operation of the
served OpenAPI document, with valid credentials, valid and invalid data; every
answer must be no 5xx and conform to the document (status, content type, body).
Bounded (25 examples per operation and mode) and deterministic."""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.submission.conftest import ADMIN, Portal

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def fuzz(operation: Any, mode: GenerationMode, secret: str, fixed: dict[str, str]) -> None:
    path_parameters = {k: v for k, v in fixed.items() if f"{{{k}}}" in operation.path}

    @given(
        case=operation.as_strategy(
            generation_mode=mode,
            path_parameters=path_parameters or None,
        )
    )
    @EXAMPLES
    def run(case: Any) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)

    run()


def test_no_request_makes_the_api_fail_or_break_its_contract(app: Flask, portal: Portal) -> None:
    agency = portal.agency("DINKES")
    key = portal.key(agency["id"])
    # Real ids for the path, so that generated bodies and queries reach the logic.
    fixed = {"agency_id": agency["id"], "proposal_id": portal.draft(key)["id"]}
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 24
    for operation in operations:
        secretariat = operation.path.startswith("/v1/agencies") or operation.path.endswith(
            "/participation"
        )
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation, mode, ADMIN if secretariat else key, fixed)
