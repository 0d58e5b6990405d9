"""Who may call what: every endpoint of the review API against four callers.

anonymous, the reviewer the proposal is assigned to, a reviewer it is not
assigned to (from the proposing agency, so never assignable), the
secretariat (the admin token), and an observer (reads what the secretariat
reads, changes nothing). A status other than 401/403/404 for a caller
means it got past authorization; the use case may still refuse (409, 422).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.integration.review.support import (
    ADMIN,
    PASSWORD,
    auth,
    create_account,
    create_cycle,
    deliver,
    login,
    make_app,
    submitted_event,
)

CALLERS = ("anonymous", "assigned", "not_assigned", "secretariat", "observer")


def fresh_user() -> dict[str, Any]:
    return {"name": "New", "email": f"n-{uuid.uuid4().hex[:8]}@example.go.id", "password": PASSWORD}


def test_every_endpoint_against_every_caller(database_url: str) -> None:
    app: Flask = make_app(database_url)
    client = app.test_client()
    try:
        _matrix(app, client)
    finally:
        app.extensions["inagara"].engine.dispose()


def _matrix(app: Flask, client: FlaskClient) -> None:
    assigned = create_account(client, agency_code="BKPSDM")
    other = create_account(client, agency_code="DINKES")
    target = create_account(client, agency_code="DISHUB", max_load=0)
    observer = create_account(client, role="observer", max_load=0)
    invited = client.post(
        "/v1/invitations",
        json={"name": "Diundang", "email": fresh_user()["email"]},
        headers=auth(ADMIN),
    ).json["user"]
    cycle = create_cycle(client, reviewers_per_proposal=1)
    event = submitted_event("DINKES")
    deliver(app, event)
    pid, cid = event.subject, cycle["id"]
    soon = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    aid = client.get(f"/v1/proposals/{pid}/assignments", headers=auth(ADMIN)).json["items"][0]["id"]
    headers = {
        "anonymous": {},
        "assigned": auth(login(client, assigned["email"])),
        "not_assigned": auth(login(client, other["email"])),
        "secretariat": auth(ADMIN),
        "observer": auth(login(client, observer["email"])),
    }
    # A declaration of ``assigned``'s (on a proposal nobody holds) for the DELETE to find.
    unrelated = {"kind": "proposal", "target": str(uuid.uuid4())}
    declared = client.post("/v1/conflicts", json=unrelated, headers=headers["assigned"]).json["id"]
    no_objection = str(uuid.uuid4())
    Call = Callable[[dict[str, str]], Any]
    login_body = {"email": assigned["email"], "password": PASSWORD}
    matrix: list[tuple[str, Call, tuple[int, int, int, int, int]]] = [
        (
            "POST /v1/auth/tokens",
            lambda h: client.post("/v1/auth/tokens", json=login_body, headers=h),
            (201, 201, 201, 201, 201),
        ),
        ("GET /v1/me", lambda h: client.get("/v1/me", headers=h), (401, 200, 200, 200, 200)),
        ("GET /v1/users", lambda h: client.get("/v1/users", headers=h), (401, 403, 403, 200, 200)),
        (
            "POST /v1/users",
            lambda h: client.post("/v1/users", json=fresh_user(), headers=h),
            (401, 403, 403, 201, 403),
        ),
        (
            "PATCH /v1/users/{id}",
            lambda h: client.patch(f"/v1/users/{other['id']}", json={"max_load": 7}, headers=h),
            (401, 403, 403, 200, 403),
        ),
        (
            "GET /v1/cycles",
            lambda h: client.get("/v1/cycles", headers=h),
            (401, 403, 403, 200, 200),
        ),
        (
            "POST /v1/cycles",
            lambda h: client.post(
                "/v1/cycles",
                json={
                    k: cycle[k]
                    for k in (
                        "name",
                        "year",
                        "submission_opens_at",
                        "submission_closes_at",
                        "review_deadline",
                    )
                },
                headers=h,
            ),
            (401, 403, 403, 201, 403),
        ),
        (
            "GET /v1/cycles/{id}",
            lambda h: client.get(f"/v1/cycles/{cid}", headers=h),
            (401, 403, 403, 200, 200),
        ),
        (
            "PATCH /v1/cycles/{id}",
            lambda h: client.patch(f"/v1/cycles/{cid}", json={"shortlist_size": 4}, headers=h),
            (401, 403, 403, 200, 403),
        ),
        (
            "GET rubric",
            lambda h: client.get(f"/v1/cycles/{cid}/rubrics/desk", headers=h),
            (401, 200, 200, 200, 200),
        ),
        (
            "PUT rubric",
            lambda h: client.put(
                f"/v1/cycles/{cid}/rubrics/panel",
                json={"criteria": [{"key": "novelty", "name": "Kebaruan", "weight": 1}]},
                headers=h,
            ),
            (401, 403, 403, 201, 403),
        ),
        (
            "GET what-if",
            lambda h: client.get(f"/v1/cycles/{cid}/rubrics/desk/versions/1/what-if", headers=h),
            (401, 403, 403, 200, 200),
        ),
        (
            "GET ranking",
            lambda h: client.get(f"/v1/cycles/{cid}/ranking", headers=h),
            (401, 403, 403, 200, 200),
        ),
        (
            "GET participation",
            lambda h: client.get(f"/v1/cycles/{cid}/participation", headers=h),
            (401, 403, 403, 200, 200),
        ),
        (
            "GET scores",
            lambda h: client.get(f"/v1/cycles/{cid}/scores?format=csv", headers=h),
            (401, 403, 403, 200, 200),
        ),
        (
            "GET season report",
            lambda h: client.get(f"/v1/cycles/{cid}/report", headers=h),
            (401, 403, 403, 200, 200),
        ),
        (
            "POST panel",
            lambda h: client.post(
                f"/v1/cycles/{cid}/panel", json={"reviewer_ids": [assigned["id"]]}, headers=h
            ),
            (401, 403, 403, 200, 403),
        ),
        (
            "POST awards",
            lambda h: client.post(
                f"/v1/cycles/{cid}/awards", json={"awards": [{"proposal_id": pid}]}, headers=h
            ),
            (401, 403, 403, 422, 403),
        ),
        (
            "POST results",
            lambda h: client.post(f"/v1/cycles/{cid}/results", json={}, headers=h),
            (401, 403, 403, 409, 403),  # the secretariat's: 409, the awards are not decided
        ),
        (
            "GET /v1/proposals",
            lambda h: client.get("/v1/proposals", headers=h),
            (401, 200, 200, 200, 200),
        ),
        (
            "GET /v1/proposals/{id}",
            lambda h: client.get(f"/v1/proposals/{pid}", headers=h),
            (401, 200, 404, 200, 200),
        ),
        (
            "GET proposal assignments",
            lambda h: client.get(f"/v1/proposals/{pid}/assignments", headers=h),
            (401, 403, 403, 200, 200),
        ),
        (
            "POST proposal assignments",
            lambda h: client.post(
                f"/v1/proposals/{pid}/assignments", json={"reviewer_id": other["id"]}, headers=h
            ),
            # ``other`` is of the proposing agency: a conflict of interest, refused with 409.
            (401, 403, 403, 409, 403),
        ),
        (
            "POST decisions",
            lambda h: client.post(
                f"/v1/proposals/{pid}/decisions", json={"decision": "shortlist"}, headers=h
            ),
            (401, 403, 403, 409, 403),
        ),
        (
            "POST verification",
            lambda h: client.post(
                f"/v1/proposals/{pid}/verification", json={"result": "pass"}, headers=h
            ),
            (401, 403, 403, 409, 403),
        ),
        (
            "GET schedule",
            lambda h: client.get(f"/v1/proposals/{pid}/schedule", headers=h),
            (401, 403, 403, 200, 200),
        ),
        (
            "PUT presentation",
            lambda h: client.put(
                f"/v1/proposals/{pid}/presentation",
                json={"starts_at": soon, "duration_minutes": 30, "place": "Aula"},
                headers=h,
            ),
            # Not a finalist: the secretariat may, but the state refuses (409).
            (401, 403, 403, 409, 403),
        ),
        (
            "DELETE presentation",
            lambda h: client.delete(f"/v1/proposals/{pid}/presentation", headers=h),
            (401, 403, 403, 409, 403),
        ),
        (
            "PUT visit",
            lambda h: client.put(
                f"/v1/proposals/{pid}/visit",
                json={
                    "starts_at": soon,
                    "duration_minutes": 60,
                    "address": "Jl. Suroyo 1",
                    "team": [{"name": "Ibu Sari"}],
                },
                headers=h,
            ),
            (401, 403, 403, 409, 403),
        ),
        (
            "DELETE visit",
            lambda h: client.delete(f"/v1/proposals/{pid}/visit", headers=h),
            (401, 403, 403, 409, 403),
        ),
        (
            "GET audit",
            lambda h: client.get(f"/v1/proposals/{pid}/audit", headers=h),
            (401, 403, 403, 200, 200),
        ),
        (
            "GET /v1/assignments",
            lambda h: client.get("/v1/assignments", headers=h),
            (401, 200, 200, 200, 200),
        ),
        (
            "GET /v1/assignments/{id}",
            lambda h: client.get(f"/v1/assignments/{aid}", headers=h),
            (401, 200, 404, 200, 200),
        ),
        (
            "PUT review",
            lambda h: client.put(f"/v1/assignments/{aid}/review", json={"scores": {}}, headers=h),
            (401, 422, 404, 403, 403),
        ),
        (
            "GET /v1/pipeline",
            lambda h: client.get("/v1/pipeline", headers=h),
            (401, 403, 403, 200, 200),
        ),
        (
            "POST /v1/invitations",
            lambda h: client.post(
                "/v1/invitations", json={"name": "Baru", "email": fresh_user()["email"]}, headers=h
            ),
            (401, 403, 403, 201, 403),
        ),
        (
            "POST /v1/users/{id}/invitation",
            lambda h: client.post(f"/v1/users/{invited['id']}/invitation", headers=h),
            (401, 403, 403, 201, 403),
        ),
        (
            "POST /v1/users/{id}/password-reset",
            lambda h: client.post(f"/v1/users/{target['id']}/password-reset", headers=h),
            (401, 403, 403, 202, 403),
        ),
        (
            "POST /v1/auth/password-resets",
            lambda h: client.post(
                "/v1/auth/password-resets", json={"email": target["email"]}, headers=h
            ),
            (202, 202, 202, 202, 202),
        ),
        (
            "POST /v1/auth/password",
            lambda h: client.post(
                "/v1/auth/password",
                json={"link": "rvl_not-a-link", "password": "kopi tubruk di pagi hari"},
                headers=h,
            ),
            (404, 404, 404, 404, 404),
        ),
        (
            "GET /v1/access-audit",
            lambda h: client.get("/v1/access-audit", headers=h),
            (401, 403, 403, 200, 200),
        ),
        (
            "GET /v1/access-audit.csv",
            lambda h: client.get("/v1/access-audit.csv", headers=h),
            (401, 403, 403, 200, 200),
        ),
        (
            "GET /v1/agencies",
            lambda h: client.get("/v1/agencies", headers=h),
            (401, 200, 200, 200, 200),
        ),
        (
            "GET /v1/conflicts",
            lambda h: client.get("/v1/conflicts", headers=h),
            (401, 200, 200, 403, 403),
        ),
        (
            "POST /v1/conflicts",
            lambda h: client.post("/v1/conflicts", json=unrelated, headers=h),
            (401, 201, 201, 403, 403),
        ),
        (
            "DELETE /v1/conflicts/{id}",
            lambda h: client.delete(f"/v1/conflicts/{declared}", headers=h),
            (401, 204, 404, 403, 403),
        ),
        # The public objection window: nothing is shortlisted here (409 to publish, and
        # the public endpoint refuses an objection to a proposal on no published shortlist).
        (
            "POST /v1/cycles/{id}/shortlist/publication",
            lambda h: client.post(
                f"/v1/cycles/{cid}/shortlist/publication", json={"days": 7}, headers=h
            ),
            (401, 403, 403, 409, 403),
        ),
        (
            "GET /v1/cycles/{id}/objections",
            lambda h: client.get(f"/v1/cycles/{cid}/objections", headers=h),
            (401, 403, 403, 200, 200),
        ),
        (
            "GET /v1/proposals/{id}/objections",
            lambda h: client.get(f"/v1/proposals/{pid}/objections", headers=h),
            (401, 403, 403, 200, 200),
        ),
        (
            "GET /v1/objections/{id}",
            lambda h: client.get(f"/v1/objections/{no_objection}", headers=h),
            (401, 403, 403, 404, 404),
        ),
        (
            "GET /v1/objections/{id}/file",
            lambda h: client.get(f"/v1/objections/{no_objection}/file", headers=h),
            (401, 403, 403, 404, 404),
        ),
        (
            "POST /v1/objections/{id}/answer",
            lambda h: client.post(
                f"/v1/objections/{no_objection}/answer", json={"answer": "Jawaban."}, headers=h
            ),
            (401, 403, 403, 404, 403),
        ),
        (
            "POST /v1/objectors/export",
            lambda h: client.post(
                "/v1/objectors/export", json={"email": "x@example.org"}, headers=h
            ),
            (401, 403, 403, 200, 403),
        ),
        (
            "POST /v1/objectors/erasure",
            lambda h: client.post(
                "/v1/objectors/erasure", json={"email": "x@example.org"}, headers=h
            ),
            (401, 403, 403, 200, 403),
        ),
        (
            "GET /v1/subjects/{id}/key",
            lambda h: client.get(f"/v1/subjects/{no_objection}/key", headers=h),
            (401, 403, 403, 403, 403),
        ),
        # No login, whoever calls (rate-limited per client address instead).
        (
            "GET /v1/public/cycles/{id}/shortlist",
            lambda h: client.get(f"/v1/public/cycles/{cid}/shortlist", headers=h),
            (200, 200, 200, 200, 200),
        ),
        (
            "POST /v1/public/objections",
            lambda h: client.post(
                "/v1/public/objections",
                data={
                    "proposal_id": pid,
                    "name": "Warga",
                    "email": "warga@example.org",
                    "reason": "Alasan keberatan yang cukup panjang untuk diterima.",
                },
                content_type="multipart/form-data",
                headers=h,
            ),
            (409, 409, 409, 409, 409),
        ),
        # These two change the assignment, so they come last and in this order.
        (
            "POST conflict",
            lambda h: client.post(f"/v1/assignments/{aid}/conflict", json={}, headers=h),
            (401, 200, 404, 403, 403),
        ),
        (
            "POST reassign",
            lambda h: client.post(f"/v1/assignments/{aid}/reassign", json={}, headers=h),
            (401, 403, 403, 409, 403),
        ),
        (
            "DELETE /v1/users/{id}/sessions",
            lambda h: client.delete(f"/v1/users/{target['id']}/sessions", headers=h),
            (401, 403, 403, 204, 403),
        ),
        (
            "DELETE /v1/users/{id}/second-factor",
            lambda h: client.delete(f"/v1/users/{target['id']}/second-factor", headers=h),
            (401, 403, 403, 204, 403),
        ),
        # Ends the caller's own token: last.
        (
            "DELETE /v1/auth/tokens/current",
            lambda h: client.delete("/v1/auth/tokens/current", headers=h),
            (401, 204, 204, 204, 204),
        ),
    ]
    wrong = []
    for name, call, expected in matrix:
        got = tuple(call(headers[who]).status_code for who in CALLERS)
        if got != expected:
            wrong.append(
                f"{name}: expected {dict(zip(CALLERS, expected, strict=True))}, got {dict(zip(CALLERS, got, strict=True))}"
            )
    assert not wrong, "\n".join(wrong)
    documented = {
        f"{method.upper()} {path}"
        for path, ops in client.get("/openapi.json").json["paths"].items()
        for method in ops
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert len(documented) == len(matrix), "an endpoint is missing from the matrix"


def test_a_reviewer_sees_only_what_is_assigned_and_never_the_scores(database_url: str) -> None:
    app: Flask = make_app(database_url)
    client = app.test_client()
    try:
        reviewer = create_account(client, agency_code="BKPSDM")
        create_cycle(client, reviewers_per_proposal=1)
        mine, theirs = submitted_event("DISDIK"), submitted_event("BKPSDM")
        deliver(app, mine)
        deliver(app, theirs)
        token = auth(login(client, reviewer["email"]))
        listed = client.get("/v1/proposals", headers=token).json["items"]
        assert [p["id"] for p in listed] == [mine.subject]
        assert "scores" not in listed[0] and "verification" not in listed[0]
        assert client.get(f"/v1/proposals/{theirs.subject}", headers=token).status_code == 404
        unknown = client.get(f"/v1/proposals/{uuid.uuid4()}", headers=token)
        assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
        deactivated = client.patch(
            f"/v1/users/{reviewer['id']}", json={"active": False}, headers=auth(ADMIN)
        )
        assert deactivated.status_code == 200
        assert client.get("/v1/me", headers=token).status_code == 401
        wrong = client.post(
            "/v1/auth/tokens", json={"email": reviewer["email"], "password": "nope"}
        )
        assert wrong.status_code == 401
    finally:
        app.extensions["inagara"].engine.dispose()
