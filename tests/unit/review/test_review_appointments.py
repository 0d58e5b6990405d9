"""The pure rules of a finalist's presentation and field visit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.review.domain import appointments

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2)


def test_a_presentation_needs_a_future_time_a_duration_and_a_place_or_link() -> None:
    assert (
        appointments.problems(
            "presentation", {"starts_at": LATER, "duration_minutes": 30, "place": "Aula"}, NOW
        )
        == {}
    )
    assert (
        appointments.problems(
            "presentation",
            {"starts_at": LATER, "duration_minutes": 30, "online_url": "https://m.example/x"},
            NOW,
        )
        == {}
    )
    found = appointments.problems(
        "presentation", {"starts_at": NOW - timedelta(minutes=1), "duration_minutes": 2}, NOW
    )
    assert set(found) == {"starts_at", "duration_minutes", "place"}
    naive = appointments.problems(
        "presentation", {"starts_at": LATER.replace(tzinfo=None), "duration_minutes": 30}, NOW
    )
    assert "starts_at" in naive


def test_a_visit_needs_an_address_and_a_team() -> None:
    good = {"starts_at": LATER, "duration_minutes": 90, "address": "Jl. A", "team": [{"name": "B"}]}
    assert appointments.problems("visit", good, NOW) == {}
    assert set(appointments.problems("visit", {**good, "address": " ", "team": []}, NOW)) == {
        "address",
        "team",
    }
    crowd = {**good, "team": [{"name": str(i)} for i in range(appointments.MAX_TEAM + 1)]}
    assert "team" in appointments.problems("visit", crowd, NOW)


def test_scheduling_again_is_a_reschedule() -> None:
    assert appointments.change_of(None) == appointments.SCHEDULED
    assert appointments.change_of({"revision": 1}) == appointments.RESCHEDULED


def test_the_reminder_window_is_the_coming_day() -> None:
    start, end = appointments.reminder_window(NOW)
    assert (start, end) == (NOW, NOW + timedelta(hours=24))


def test_only_pass_and_adjust_verify_and_only_a_verification_stage_refuses() -> None:
    finalists = [
        {"id": "a", "verification": "pass"},
        {"id": "b", "verification": "adjust"},
        {"id": "c", "verification": "fail"},
        {"id": "d", "verification": None},
    ]
    assert appointments.unverified(True, finalists) == ["c", "d"]
    assert appointments.unverified(False, finalists) == []
