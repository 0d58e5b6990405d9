"""Award categories: where a proposal falls, and what each category's sizes allow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.review.domain import categories, states
from services.review.domain.errors import Conflict, Invalid
from services.review.usecases import decisions
from services.review.usecases.intake import receive_proposal
from shared.events.catalog import PROPOSAL_AWARDED, PROPOSAL_NOT_AWARDED, PROPOSAL_SHORTLISTED
from tests.unit.review.fakes import FakeReviewWork, reviewer, submitted

SEASON = [
    {
        "code": "pelayanan_publik",
        "name": "Pelayanan Publik",
        "shortlist_size": 2,
        "award_count": 1,
        "match": {"form": ["public_service"]},
    },
    {"code": "tata_kelola", "name": "Tata Kelola", "shortlist_size": 1, "award_count": 1},
]


def test_a_proposal_falls_into_the_first_category_whose_rules_hold() -> None:
    kinds = categories.from_dicts(SEASON)

    assert categories.place(kinds, {"form": "public_service"}) == "pelayanan_publik"
    assert categories.place(kinds, {"form": "governance"}) == "tata_kelola"  # the catch-all
    assert categories.place(kinds[:1], {"form": "governance"}) is None


def test_the_agencys_choice_counts_only_where_the_cycle_lets_agencies_choose() -> None:
    kinds = categories.from_dicts(SEASON)
    profile = {"form": "public_service", "award_category": "tata_kelola"}

    assert categories.place(kinds, profile, categories.BY_AGENCY) == "tata_kelola"
    assert categories.place(kinds, profile, categories.BY_PROFILE) == "pelayanan_publik"
    unknown = {**profile, "award_category": "bumd"}
    assert categories.place(kinds, unknown, categories.BY_AGENCY) == "pelayanan_publik"


def test_a_category_list_with_a_twice_used_code_or_an_unknown_field_is_refused() -> None:
    bad = [
        {**SEASON[0], "match": {"budget_idr": ["0"]}},
        {**SEASON[1], "code": "pelayanan_publik", "award_count": 3},
    ]

    errors = categories.problems(categories.from_dicts(bad))

    assert set(errors) == {"categories.0.match", "categories.1.code", "categories.1.award_count"}
    assert categories.problems(categories.from_dicts(SEASON)) == {}


def _season(work: FakeReviewWork) -> None:
    now = datetime.now(UTC)
    work.cycles.rows["c-1"] = {
        "id": "c-1",
        "status": "open",
        "submission_opens_at": now - timedelta(days=1),
        "submission_closes_at": now + timedelta(days=1),
        "review_deadline": now + timedelta(days=30),
        "reviewers_per_proposal": 2,
        "shortlist_size": 10,
        "award_count": 10,
        "categories": SEASON,
        "category_by": "profile",
    }


def _scored(work: FakeReviewWork, pid: str, form: str) -> None:
    receive_proposal(submitted(pid, cycle_id="c-1", form=form), work)
    work.proposals.rows[pid]["status"] = states.SCORED


@pytest.fixture
def season() -> FakeReviewWork:
    work = FakeReviewWork()
    for user_id in ("r1", "r2", "r3", "r4"):
        work.people.insert(reviewer(user_id))
    _season(work)
    _scored(work, "p-1", "public_service")
    _scored(work, "p-2", "public_service")
    _scored(work, "p-3", "governance")
    _scored(work, "p-4", "governance")
    work.published.clear()
    return work


def test_intake_places_each_proposal_in_its_category(season: FakeReviewWork) -> None:
    placed = {pid: p["award_category"] for pid, p in season.proposals.rows.items()}

    assert placed == {
        "p-1": "pelayanan_publik",
        "p-2": "pelayanan_publik",
        "p-3": "tata_kelola",
        "p-4": "tata_kelola",
    }


def test_each_category_has_its_own_shortlist_size(season: FakeReviewWork) -> None:
    decisions.decide("p-3", "shortlist", "", "sekretariat", season)
    with pytest.raises(Conflict, match="Tata Kelola is full"):
        decisions.decide("p-4", "shortlist", "", "sekretariat", season)

    decisions.decide("p-1", "shortlist", "", "sekretariat", season)
    decisions.decide("p-2", "shortlist", "", "sekretariat", season)
    shortlisted = [e for _, e in season.published if e.type == PROPOSAL_SHORTLISTED]
    assert [e.data["award_category_name"] for e in shortlisted] == [
        "Tata Kelola",
        "Pelayanan Publik",
        "Pelayanan Publik",
    ]


def _awarded(season: FakeReviewWork) -> dict[str, dict[str, Any]]:
    return {
        e.subject: {"type": e.type, **e.data}
        for _, e in season.published
        if e.type in (PROPOSAL_AWARDED, PROPOSAL_NOT_AWARDED)
    }


def test_a_category_is_awarded_on_its_own_and_the_cycle_when_the_last_one_is(
    season: FakeReviewWork,
) -> None:
    for pid in ("p-1", "p-2", "p-3"):
        decisions.decide(pid, "shortlist", "", "sekretariat", season)

    first = decisions.award(
        "c-1", [{"proposal_id": "p-1", "award": "Terbaik"}], "", "s", season, "pelayanan_publik"
    )

    assert first == {"awarded": ["p-1"], "not_awarded": ["p-2"]}
    assert season.cycles.rows["c-1"]["status"] == "open"
    events = _awarded(season)
    assert events["p-1"]["award_category"] == "pelayanan_publik"
    assert events["p-1"]["award_category_name"] == "Pelayanan Publik"
    with pytest.raises(Conflict, match="decided already"):
        decisions.award("c-1", [{"proposal_id": "p-2"}], "", "s", season, "pelayanan_publik")

    last = decisions.award("c-1", [{"proposal_id": "p-3"}], "", "s", season, "tata_kelola")

    assert last == {"awarded": ["p-3"], "not_awarded": ["p-4"]}
    assert season.cycles.rows["c-1"]["status"] == "awarded"
    assert all(c["decided_at"] for c in season.cycles.rows["c-1"]["categories"])


def test_a_category_gives_no_more_awards_than_it_has_nor_to_another_categorys_finalist(
    season: FakeReviewWork,
) -> None:
    for pid in ("p-1", "p-2", "p-3"):
        decisions.decide(pid, "shortlist", "", "sekretariat", season)
    season.published.clear()

    with pytest.raises(Invalid):
        decisions.award(
            "c-1",
            [{"proposal_id": "p-1"}, {"proposal_id": "p-2"}],
            "",
            "s",
            season,
            "pelayanan_publik",
        )
    with pytest.raises(Invalid):
        decisions.award("c-1", [{"proposal_id": "p-3"}], "", "s", season, "pelayanan_publik")
    with pytest.raises(Invalid):
        decisions.award("c-1", [{"proposal_id": "p-3"}], "", "s", season, "bumd")
    assert season.published == []
    assert season.proposals.rows["p-1"]["status"] == states.SHORTLISTED
