"""The register's copy and declarations through the use cases, on fakes: the latest
announcement wins, unknown codes are refused naming close ones, a kecamatan's reviewer
never gets its kelurahan's proposal, and a declaration hands pending work on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.review.domain.errors import Invalid
from services.review.usecases import declarations
from services.review.usecases.intake import receive_proposal
from services.review.usecases.registry import close_matches, keep_agency, known_agency_in
from shared.events.catalog import AGENCY_REGISTERED, AGENCY_UPDATED, spec_for
from shared.events.envelope import Event
from tests.unit.review.fakes import FakeReviewWork, reviewer, submitted

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def announced(
    code: str, name: str, when: datetime, parent: str | None = None, type: str = AGENCY_REGISTERED
) -> Event:
    spec = spec_for(type)
    data = spec.validator.dump(
        {
            "agency_id": f"agency-{code}",
            "code": code,
            "name": name,
            "kind": "kelurahan" if parent else "kecamatan",
            "parent_code": parent,
            "changed_at": when,
        }
    )
    return Event.first(spec.type, "/inagara/submission", f"agency-{code}", data, spec.dataschema)


def test_the_latest_announcement_is_kept_and_an_older_one_changes_nothing() -> None:
    work = FakeReviewWork()
    assert keep_agency(announced("KEC-A", "Kecamatan A", NOW), work)
    later = NOW + timedelta(minutes=5)
    assert keep_agency(announced("KEC-A", "Kecamatan Anyar", later, type=AGENCY_UPDATED), work)
    assert not keep_agency(announced("KEC-A", "Stale", NOW), work)
    assert work.agencies.rows["KEC-A"]["name"] == "Kecamatan Anyar"


def test_an_unknown_code_is_refused_naming_the_close_ones() -> None:
    work = FakeReviewWork()
    for code in ("DINKES", "DISDIK", "DISHUB"):
        keep_agency(announced(code, code, NOW), work)
    assert known_agency_in(work, " dinkes ") == "DINKES"
    assert known_agency_in(work, "") == ""
    with pytest.raises(Invalid) as refused:
        known_agency_in(work, "DINKES-TYPO")
    assert "Did you mean DINKES?" in refused.value.errors["agency_code"][0]
    assert close_matches("DISHUBB", ["DINKES", "DISDIK", "DISHUB"])[0] == "DISHUB"


def test_a_kecamatan_reviewer_never_gets_a_proposal_of_its_kelurahan() -> None:
    work = FakeReviewWork()
    keep_agency(announced("KEC-A", "Kecamatan A", NOW), work)
    keep_agency(announced("DINKES", "Dinas Kesehatan", NOW, parent="KEC-A"), work)
    work.people.insert(reviewer("kecamatan", agency_code="kec-a"))
    work.people.insert(reviewer("elsewhere", agency_code="DISDIK"))
    receive_proposal(submitted("p-1"), work)  # from DINKES, a child of KEC-A here
    given = {a["reviewer_id"] for a in work.assignments.rows.values()}
    assert given == {"elsewhere"}


def test_a_declaration_hands_the_pending_review_it_touches_to_someone_else() -> None:
    work = FakeReviewWork()
    keep_agency(announced("DINKES", "Dinas Kesehatan", NOW), work)
    work.people.insert(reviewer("r1"))
    receive_proposal(submitted("p-1"), work)
    (held,) = work.assignments.rows.values()
    work.people.insert(reviewer("r2"))  # joins later: free to take it over
    done = declarations.declare("r1", "agency", "dinkes", "dulu bekerja di sana", work)
    assert done["target"] == "DINKES" and done["released"] == [held["id"]]
    pending = {a["reviewer_id"] for a in work.assignments.rows.values() if a["status"] == "pending"}
    assert pending == {"r2"}
