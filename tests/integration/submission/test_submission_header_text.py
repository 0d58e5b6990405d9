"""Names and titles end up in email headers (``To: <name> <address>``, ``Subject:``): the
APIs refuse a line break in them with a 422 naming the field (finding: an agency could
jam an email delivery, or try to add a ``Bcc:``, with ``"Crlf\\r\\nBcc: evil@…"``)."""

from __future__ import annotations

import pytest

from tests.integration.submission.conftest import Portal, profile

HOSTILE = ("Crlf\r\nBcc: evil@attacker.example", "Lf\nX: y", "Sep\u2028arator")


@pytest.mark.parametrize("name", HOSTILE)
def test_a_proposal_with_a_line_break_in_a_name_or_title_is_a_422(
    portal: Portal, name: str
) -> None:
    agency = portal.agency()
    key = portal.key(agency["id"])
    innovators = [{"name": name, "email": "siti@dinkes.example.go.id", "phone": "081234567890"}]
    for body, field in (
        (profile(innovators=innovators), "innovators.0.name"),
        (profile(title=name), "title"),
    ):
        response = portal.as_agency(key, "POST", "/v1/proposals", json=body)
        assert response.status_code == 422, response.get_json()
        assert field in response.get_json()["errors"], response.get_json()


@pytest.mark.parametrize("name", HOSTILE[:1])
def test_an_agency_with_a_line_break_in_its_name_is_a_422(portal: Portal, name: str) -> None:
    body = {"code": "AGX", "name": name, "type": "dinas"}
    response = portal.admin("POST", "/v1/agencies", json=body)
    assert response.status_code == 422 and "name" in response.get_json()["errors"]
    agency = portal.agency()
    response = portal.admin("PATCH", f"/v1/agencies/{agency['id']}", json={"name": name})
    assert response.status_code == 422 and "name" in response.get_json()["errors"]
