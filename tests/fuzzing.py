"""Schema-driven fuzz of a service's served OpenAPI document, shared by the services' tests.

schemathesis generates requests for every operation, valid (POSITIVE) and
invalid (NEGATIVE) data, and checks every answer: no 5xx, a documented status,
the documented content type and body. Its pytest plugin does not work with the
pytest here, so Hypothesis drives each operation directly. Bounded (a fixed
number of examples per operation and mode) and deterministic (derandomized).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def operations(app: Flask) -> list[Any]:
    """Every operation of the document the app serves at /openapi.json."""
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def fuzz(
    operation: Any,
    mode: GenerationMode,
    secret: str,
    fixed: Mapping[str, str],
    examples: int = 25,
) -> None:
    """``examples`` generated requests to one operation, sent with ``secret`` as the bearer.

    ``fixed`` holds real ids for path parameters, so that generated bodies and
    queries get past the 404 and reach the logic. Raises on the first failed check
    (Hypothesis then shrinks it to the smallest request that fails).
    """
    path_parameters = {k: v for k, v in fixed.items() if f"{{{k}}}" in operation.path}

    @given(
        case=operation.as_strategy(
            generation_mode=mode,
            path_parameters=path_parameters or None,
        )
    )
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        # Nothing to make invalid: an operation without credentials, body or query whose
        # path parameters are fixed (the public objection window's published shortlist).
        if mode != GenerationMode.NEGATIVE or operation.body:
            raise


def fuzz_app(
    app: Flask,
    secret_for: Callable[[Any], str],
    fixed: Mapping[str, str],
    *,
    operation_count: int,
    examples: int = 25,
    fewer: Mapping[str, int] | None = None,
) -> None:
    """Fuzz every operation of ``app`` in both modes; ``secret_for(operation)`` picks the caller.

    ``operation_count`` is how many operations the document must have, so that a
    document that lost its paths cannot make the fuzz pass by testing nothing.
    ``fewer`` gives slow operations (``"GET /v1/pipeline"``) fewer examples.
    """
    found = operations(app)
    names = [f"{o.method.upper()} {o.path}" for o in found]
    assert len(found) == operation_count, names
    for name, operation in zip(names, found, strict=True):
        for mode in MODES:
            count = (fewer or {}).get(name, examples)
            fuzz(operation, mode, secret_for(operation), fixed, count)
