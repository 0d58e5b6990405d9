"""Schema-driven fuzz of the review API (tests/fuzzing.py): valid and invalid data from
a secretariat account (the assigned reviewer for what only a reviewer does); every
answer must be no 5xx and conform to the document."""

from __future__ import annotations

from typing import Any

from tests.fuzzing import fuzz_app
from tests.integration.review.support import (
    ADMIN,
    auth,
    create_account,
    create_cycle,
    deliver,
    engine_of,
    login,
    make_app,
    submitted_event,
)

REVIEWER_ONLY = ("/review", "/conflict", "/conflicts", "/conflicts/{conflict_id}")
# End sessions: sent with the admin token, which no call can end, so the accounts' tokens
# stay alive for the other operations.
ENDS_SESSIONS = ("/auth/tokens/current", "/sessions")
# Asks the broker and the other services, each bounded by a timeout; nothing to generate.
SLOW = {"GET /v1/pipeline": 1}


def test_no_request_makes_the_api_fail_or_break_its_contract(database_url: str) -> None:
    app = make_app(database_url)
    client = app.test_client()
    try:
        secretariat = create_account(client, role="secretariat")
        reviewer = create_account(client)
        cycle = create_cycle(client, reviewers_per_proposal=1)
        event = submitted_event("DINKES")
        deliver(app, event)
        assignment = client.get(
            f"/v1/proposals/{event.subject}/assignments", headers=auth(ADMIN)
        ).json["items"][0]
        # Real ids for the path, so that generated bodies and queries reach the logic.
        fixed = {
            "cycle_id": cycle["id"],
            "proposal_id": event.subject,
            "assignment_id": assignment["id"],
            "user_id": reviewer["id"],
            "round": "desk",
            "version": "1",
        }
        tokens = {
            "secretariat": login(client, secretariat["email"]),
            "reviewer": login(client, reviewer["email"]),
        }

        def secret_for(operation: Any) -> str:
            if operation.path.endswith(ENDS_SESSIONS):
                return ADMIN
            reviewer_only = operation.path.endswith(REVIEWER_ONLY)
            return tokens["reviewer" if reviewer_only else "secretariat"]

        fuzz_app(app, secret_for, fixed, operation_count=62, examples=10, fewer=SLOW)
    finally:
        engine_of(app).dispose()


# -- what the fuzz found, kept as plain regression tests -----------------------------


def test_a_password_change_is_stored_as_a_hash_and_an_empty_patch_changes_nothing(
    database_url: str,
) -> None:
    app = make_app(database_url)
    client = app.test_client()
    try:
        user = create_account(client)
        new = "a brand new passphrase"
        changed = client.patch(
            f"/v1/users/{user['id']}", json={"password": new}, headers=auth(ADMIN)
        )
        assert changed.status_code == 200, changed.json
        assert "password" not in changed.json and "password_hash" not in changed.json
        login_with = {"email": user["email"], "password": new}
        assert client.post("/v1/auth/tokens", json=login_with).status_code == 201

        unchanged = client.patch(f"/v1/users/{user['id']}", json={}, headers=auth(ADMIN))
        assert unchanged.status_code == 200, unchanged.json
        assert unchanged.json["max_load"] == user["max_load"]
    finally:
        engine_of(app).dispose()


def test_an_empty_cycle_patch_changes_nothing(database_url: str) -> None:
    app = make_app(database_url)
    client = app.test_client()
    try:
        cycle = create_cycle(client)
        response = client.patch(f"/v1/cycles/{cycle['id']}", json={}, headers=auth(ADMIN))
        assert response.status_code == 200, response.json
        assert response.json["name"] == cycle["name"]
        assert response.json["review_deadline"] == cycle["review_deadline"]
    finally:
        engine_of(app).dispose()


def test_errors_are_documented_as_problem_json(database_url: str) -> None:
    app = make_app(database_url)
    try:
        document = app.test_client().get("/openapi.json").json
    finally:
        engine_of(app).dispose()
    default = document["components"]["responses"]["DEFAULT_ERROR"]
    assert list(default["content"]) == ["application/problem+json"]
