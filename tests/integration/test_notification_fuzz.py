"""Schema-driven fuzz of the notification API (tests/fuzzing.py): valid and invalid data
with the admin token; every answer must be no 5xx and conform to the document."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.fuzzing import fuzz_app
from tests.integration.test_notification_api import ADMIN, AUTH, app, client, record
from tests.unit.notification import factories

__all__ = ["app", "client"]  # the fixtures, shared with the API tests


def test_no_request_makes_the_api_fail_or_break_its_contract(
    app: Flask, client: FlaskClient
) -> None:
    payload = factories.submitted(innovators=[factories.innovator(1)])
    record(app, factories.event("proposal.submitted", payload))
    delivery = client.get("/v1/deliveries", headers=AUTH).get_json()["items"][0]
    # Real ids for the path, so that generated bodies and queries reach the logic.
    fixed = {"delivery_id": delivery["id"], "address": delivery["recipient"]}

    def secret_for(operation: Any) -> str:
        return ADMIN

    fuzz_app(app, secret_for, fixed, operation_count=12)


def test_deliveries_show_times_with_their_offset(app: Flask, client: FlaskClient) -> None:
    """Found by the fuzz: SQLite gave back naive times, shown without an offset."""
    payload = factories.submitted(innovators=[factories.innovator(2)])
    record(app, factories.event("proposal.submitted", payload))
    listed = client.get(f"/v1/deliveries?proposal_id={payload['proposal_id']}", headers=AUTH)
    one = client.get(f"/v1/deliveries/{listed.get_json()['items'][0]['id']}", headers=AUTH)
    for shown in (*listed.get_json()["items"], one.get_json()):
        for name in ("created_at", "next_attempt_at"):
            assert shown[name].endswith("+00:00"), (name, shown[name])
