"""Payload schemas of the proposal events, and phone number normalisation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from marshmallow import ValidationError

from shared.events.proposal import ProposalProfileSchema, ProposalSubmittedV1


def profile(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "Posyandu Digital",
        "summary": "Pencatatan tumbuh kembang balita secara daring.",
        "category": "health",
        "form": "public_service",
        "kind": "digital",
        "maturity": "trial",
        "lab_stage": "deliver",
        "problem": "Catatan kertas sering hilang.",
        "solution": "Aplikasi untuk kader posyandu.",
        "expected_benefits": "Data gizi balita selalu tersedia.",
        "budget_idr": 150_000_000,
        "trial_date": "2024-01-15",
        "implementation_date": "2024-06-01",
        "innovators": [
            {"name": "Siti Rahma", "email": "siti@example.go.id", "phone": "081234567890"}
        ],
        "evidence_links": ["https://example.go.id/posyandu"],
    }
    values.update(changes)
    return values


def innovator_phone(phone: str) -> dict[str, Any]:
    return profile(innovators=[{"name": "Budi", "email": "budi@example.org", "phone": phone}])


def load_errors(data: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(ValidationError) as info:
        ProposalProfileSchema().load(data)
    messages = info.value.messages
    assert isinstance(messages, dict)
    return messages


def test_valid_profile_loads() -> None:
    loaded = ProposalProfileSchema().load(profile())

    assert loaded["title"] == "Posyandu Digital"
    assert loaded["budget_idr"] == 150_000_000
    assert loaded["trial_date"] == date(2024, 1, 15)
    assert loaded["implementation_date"] == date(2024, 6, 1)
    assert loaded["innovators"][0]["phone"] == "+6281234567890"
    assert loaded["results"] == ""


def test_optional_fields_take_their_defaults() -> None:
    data = profile()
    for name in ("trial_date", "implementation_date", "evidence_links"):
        del data[name]

    loaded = ProposalProfileSchema().load(data)

    assert loaded["trial_date"] is None
    assert loaded["implementation_date"] is None
    assert loaded["evidence_links"] == []


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("081234567890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("+44 20 7946 0958", "+442079460958"),
        # Written with the country code but no "+": it is not a national number 62…
        ("62812345678", "+62812345678"),
        ("62 21 5551234", "+62215551234"),
        ("6281234567890", "+6281234567890"),
        ("81234567890", "+6281234567890"),
    ],
)
def test_phone_is_normalised_to_e164(raw: str, e164: str) -> None:
    loaded = ProposalProfileSchema().load(innovator_phone(raw))
    assert loaded["innovators"][0]["phone"] == e164


@pytest.mark.parametrize("raw", ["12345", "abc", ""])
def test_phone_that_cannot_receive_messages_is_refused(raw: str) -> None:
    errors = load_errors(innovator_phone(raw))
    assert list(errors) == ["innovators"]
    assert "phone" in errors["innovators"][0]


def test_implementation_before_trial_is_refused() -> None:
    errors = load_errors(profile(trial_date="2024-06-01", implementation_date="2024-01-15"))
    assert list(errors) == ["implementation_date"]


def test_implementation_on_the_trial_day_is_accepted() -> None:
    loaded = ProposalProfileSchema().load(
        profile(trial_date="2024-06-01", implementation_date="2024-06-01")
    )
    assert loaded["implementation_date"] == date(2024, 6, 1)


def test_missing_required_fields_are_all_listed() -> None:
    errors = load_errors({})
    assert set(errors) == {
        "title",
        "summary",
        "category",
        "form",
        "kind",
        "maturity",
        "lab_stage",
        "problem",
        "solution",
        "expected_benefits",
        "budget_idr",
        "innovators",
    }


@pytest.mark.parametrize("budget", ["1000", 1000.0, 1.5, True, None])
def test_budget_must_be_a_whole_number(budget: Any) -> None:
    assert "budget_idr" in load_errors(profile(budget_idr=budget))


def test_budget_must_not_be_negative() -> None:
    assert "budget_idr" in load_errors(profile(budget_idr=-1))
    assert ProposalProfileSchema().load(profile(budget_idr=0))["budget_idr"] == 0


@pytest.mark.parametrize(
    "link", ["ftp://example.org/file", "javascript:alert(1)", "example.org", "file:///etc/passwd"]
)
def test_evidence_links_must_be_http(link: str) -> None:
    errors = load_errors(profile(evidence_links=[link]))
    assert 0 in errors["evidence_links"]


def test_http_evidence_link_is_accepted() -> None:
    loaded = ProposalProfileSchema().load(profile(evidence_links=["http://example.org/a"]))
    assert loaded["evidence_links"] == ["http://example.org/a"]


@pytest.mark.parametrize("field", ["category", "form", "kind", "maturity", "lab_stage"])
def test_choices_outside_the_list_are_refused(field: str) -> None:
    assert field in load_errors(profile(**{field: "something_else"}))


def test_at_least_one_innovator() -> None:
    assert "innovators" in load_errors(profile(innovators=[]))


# -- the event payload ------------------------------------------------------------


def submitted(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "proposal_id": "5b0b3a0e-8a56-4a11-9f3a-4d2a4d2a4d2a",
        "version": 1,
        "agency": {"id": "ag-1", "code": "DINKES", "name": "Dinas Kesehatan"},
        "submitted_at": "2025-02-03T04:05:06+00:00",
        "profile": profile(),
    }
    values.update(changes)
    return values


def test_unknown_fields_are_dropped_at_every_level() -> None:
    data = submitted(
        extra="x",
        agency={"id": "ag-1", "code": "DINKES", "name": "Dinas Kesehatan", "extra": 1},
        profile=profile(extra=2),
    )

    loaded = ProposalSubmittedV1().load(data)

    assert "extra" not in loaded
    assert "extra" not in loaded["agency"]
    assert "extra" not in loaded["profile"]


def test_event_needs_an_aware_timestamp() -> None:
    with pytest.raises(ValidationError) as info:
        ProposalSubmittedV1().load(submitted(submitted_at="2025-02-03T04:05:06"))
    assert "submitted_at" in info.value.messages


def test_event_version_is_strictly_an_int() -> None:
    with pytest.raises(ValidationError) as info:
        ProposalSubmittedV1().load(submitted(version="1"))
    assert "version" in info.value.messages


def test_dump_then_load_gives_the_same_payload() -> None:
    schema = ProposalSubmittedV1()
    loaded = schema.load(submitted())

    again = schema.load(schema.dump(loaded))

    assert again == loaded
    assert again["submitted_at"] == datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert again["profile"]["innovators"][0]["phone"] == "+6281234567890"
