"""The award categories a cycle announces: listed to agencies, and a choice outside them
refused at submission with the field named."""

from __future__ import annotations

from datetime import timedelta

from tests.integration.submission import review_events as ev
from tests.integration.submission.conftest import Portal, profile
from tests.integration.submission.test_submission_proposals import outbox_events

CATEGORIES = [
    {"code": "perangkat_daerah", "name": "Perangkat Daerah"},
    {"code": "kecamatan_kelurahan", "name": "Kecamatan/Kelurahan"},
]


def test_the_cycles_categories_are_listed_and_only_they_can_be_chosen(
    portal: Portal, admin_key: str
) -> None:
    now = ev.now()
    portal.review(
        ev.cycle_scheduled(
            "2026",
            now - timedelta(days=1),
            now + timedelta(days=30),
            categories=CATEGORIES,
            category_by="agency",
        )
    )
    (cycle,) = portal.as_agency(admin_key, "GET", "/v1/cycles").get_json()["items"]
    assert cycle["categories"] == CATEGORIES and cycle["category_by"] == "agency"

    wrong = portal.as_agency(
        admin_key, "POST", "/v1/proposals", json=profile(award_category="bumd")
    )
    assert wrong.status_code == 422
    assert "perangkat_daerah" in wrong.get_json()["errors"]["award_category"][0]

    made = portal.as_agency(
        admin_key, "POST", "/v1/proposals", json=profile(award_category="kecamatan_kelurahan")
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["profile"]["award_category"] == "kecamatan_kelurahan"
    sent = [e for e in outbox_events(portal.app) if e.type == "proposal.submitted"][-1]
    assert sent.data["profile"]["award_category"] == "kecamatan_kelurahan"
    assert sent.data["agency"]["type"], "the proposer kind, for categories by proposer"

    draft = portal.draft(admin_key, award_category="bumd")
    refused = portal.as_agency(admin_key, "POST", f"/v1/proposals/{draft['id']}/submit", json={})
    assert refused.status_code == 422 and "award_category" in refused.get_json()["errors"]


def test_a_cycle_without_categories_takes_a_proposal_without_a_choice(
    portal: Portal, admin_key: str
) -> None:
    now = ev.now()
    portal.review(ev.cycle_scheduled("2026", now - timedelta(days=1), now + timedelta(days=30)))

    (cycle,) = portal.as_agency(admin_key, "GET", "/v1/cycles").get_json()["items"]

    assert cycle["categories"] == [] and cycle["category_by"] == "profile"
    assert portal.submitted(admin_key)["cycle_id"] == "2026"
