"""Every problem the services answer carries a ``code`` from the documented list.

Each service's app runs on a real database and is asked, for every operation of its own
OpenAPI document, the wrong things a portal may ask: no credential, a wrong one, ids that
do not exist, an empty or malformed body, the wrong media type, a method the path does not
answer, a body over the limit. Every 4xx and 5xx answer must be problem+json whose
``code`` is one of ``CODES``, and the documents must list exactly those codes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shared.web.problems import CODES, PROBLEM_JSON, STATUS_CODES
from tools.openapi import spec_of
from tools.services import SERVICES, Service

ADMIN = "problem-codes-admin-token"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
METHODS = ("get", "post", "put", "patch", "delete")
# Reads other services' metrics and the broker: slow to refuse, and nothing to refuse here.
SKIP_AUTHORIZED = {"/v1/pipeline"}


@pytest.fixture(params=[s.name for s in SERVICES])
def service_app(
    request: pytest.FixtureRequest, database_url: str
) -> Iterator[tuple[Service, Flask]]:
    service = next(s for s in SERVICES if s.name == request.param)
    app = service.create_app(
        service.settings_for(database_url=database_url, admin_token=ADMIN, max_body_bytes=4096)
    )
    yield service, app
    app.extensions["inagara"].engine.dispose()


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: "1" if m.group(1) == "version" else UNKNOWN_ID, path)


def ask(client: FlaskClient, method: str, path: str, **kwargs: Any) -> tuple[int, Any, str]:
    answer = client.open(path, method=method.upper(), **kwargs)
    return answer.status_code, answer.get_json(silent=True), answer.mimetype


def test_every_problem_carries_a_documented_code(service_app: tuple[Service, Flask]) -> None:
    service, app = service_app
    document = spec_of(app)
    client = app.test_client()
    admin = {"Authorization": f"Bearer {ADMIN}"}
    wrong = {"Authorization": "Bearer not-a-credential"}
    answers: list[tuple[str, int, Any, str]] = []

    def record(label: str, status: int, body: Any, mimetype: str) -> None:
        answers.append((label, status, body, mimetype))

    for template, operations in document["paths"].items():
        path = concrete(template)
        for method in METHODS:
            if method not in operations:
                record(f"{method} {path}", *ask(client, method, path))
                continue
            record(f"{method} {path} (no credential)", *ask(client, method, path))
            record(f"{method} {path} (wrong)", *ask(client, method, path, headers=wrong))
            if template in SKIP_AUTHORIZED:
                continue
            record(f"{method} {path} (admin)", *ask(client, method, path, headers=admin))
            if method in ("post", "put", "patch"):
                for label, extra in (
                    ("empty body", {"json": {}}),
                    ("wrong field types", {"json": {"name": 1, "email": [], "status": {}}}),
                    ("malformed JSON", {"data": b"{", "content_type": "application/json"}),
                    ("text body", {"data": b"hello", "content_type": "text/plain"}),
                    ("too large", {"json": {"name": "x" * 10_000}}),
                ):
                    record(
                        f"{method} {path} ({label})",
                        *ask(client, method, path, headers=admin, **extra),
                    )

    problems = [
        (label, status, body, mime) for label, status, body, mime in answers if status >= 400
    ]
    # A read-only API (results: three GETs) has fewer ways to be refused than one that writes.
    writes = any(m in ops for ops in document["paths"].values() for m in ("post", "put", "patch"))
    assert len(problems) > (20 if writes else 10), f"{service.name}: should be refused often"
    wrong_answers = [
        f"{label}: {status} {mime} {body!r}"
        for label, status, body, mime in problems
        if (
            mime != PROBLEM_JSON and not label.startswith(("get /unsubscribe", "post /unsubscribe"))
        )  # HTML pages
        or (mime == PROBLEM_JSON and (not isinstance(body, dict) or body.get("code") not in CODES))
    ]
    assert not wrong_answers, "\n".join(wrong_answers)
    seen = Counter(body["code"] for _, _, body, mime in problems if mime == PROBLEM_JSON)
    expected = {"auth.required", "request.method_not_allowed"} if writes else set()
    assert expected | {"request.method_not_allowed"} <= set(seen), seen  # public: no auth


def test_the_documents_list_exactly_the_codes() -> None:
    for service in SERVICES:
        app = service.document_app()
        try:
            schemas = spec_of(app)["components"]["schemas"]
        finally:
            app.extensions["inagara"].engine.dispose()
        code = schemas["Problem"]["properties"]["code"]
        assert code["enum"] == sorted(CODES), service.name
        assert "code" in schemas["Problem"]["required"], service.name
        for name in CODES:
            assert f"`{name}`" in code["description"], name


def test_every_code_named_in_the_source_is_documented() -> None:
    """What the runtime test above cannot reach (a storage outage, a decided cycle) is
    at least spelled right: every code a refusal names in the code is one of CODES."""
    root = Path(__file__).resolve().parents[2]
    named = re.compile(
        r'(?:code=|NotFound\([^()]*,\s*|Conflict\([^()]*,\s*|refuse\([^()]*,\s*)"([a-z_]+\.[a-z_]+)"'
    )
    found = {
        (str(path.relative_to(root)), code)
        for folder in ("services", "shared")
        for path in (root / folder).rglob("*.py")
        for code in named.findall(path.read_text())
    }
    assert len(found) > 20
    unknown = sorted(f"{path}: {code}" for path, code in found if code not in CODES)
    assert not unknown, unknown


def test_each_status_s_general_code_is_documented_and_codes_are_dotted() -> None:
    assert set(STATUS_CODES.values()) <= set(CODES)
    for name in CODES:
        assert re.fullmatch(r"[a-z_]+\.[a-z_]+", name), name
