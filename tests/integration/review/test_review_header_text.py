"""Names and titles end up in email headers (``To: <name> <address>``, ``Subject:``): the
APIs refuse a line break in them with a 422 naming the field (finding: an agency could
jam an email delivery, or try to add a ``Bcc:``, with ``"Crlf\\r\\nBcc: evil@…"``)."""

from __future__ import annotations

from tests.integration.review.support import ADMIN, auth, engine_of, make_app

NAME = "Crlf\r\nBcc: evil@attacker.example"


def test_a_reviewer_with_a_line_break_in_the_name_is_a_422(database_url: str) -> None:
    app = make_app(database_url)
    client = app.test_client()
    try:
        body = {
            "name": NAME,
            "email": "r@example.go.id",
            "password": "a long enough password",
        }
        response = client.post("/v1/users", json=body, headers=auth(ADMIN))
        assert response.status_code == 422 and "name" in response.json["errors"], response.json
        created = client.post("/v1/users", json={**body, "name": "Rina"}, headers=auth(ADMIN)).json
        response = client.patch(
            f"/v1/users/{created['id']}", json={"name": NAME}, headers=auth(ADMIN)
        )
        assert response.status_code == 422 and "name" in response.json["errors"], response.json
    finally:
        engine_of(app).dispose()
