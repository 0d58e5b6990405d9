"""The automatic completeness check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from deploy.local.stack import DEMO_PROPOSAL
from services.review.domain.screening import Window, screen

NOW = datetime(2026, 5, 1, tzinfo=UTC)
OPEN = Window(NOW - timedelta(days=1), NOW + timedelta(days=1))


def test_a_complete_proposal_in_the_window_passes() -> None:
    result = screen(DEMO_PROPOSAL, [], NOW, OPEN)
    assert result.passed and result.reasons == ()


def test_an_evidence_file_is_evidence_enough() -> None:
    profile = {**DEMO_PROPOSAL, "evidence_links": []}
    assert screen(profile, [{"id": "f1"}], NOW, None).passed
    assert not screen(profile, [], NOW, None).passed


def test_every_reason_is_listed() -> None:
    profile = {**DEMO_PROPOSAL, "evidence_links": [], "problem": "", "innovators": []}
    result = screen(profile, [], NOW + timedelta(days=3), OPEN)
    assert not result.passed
    text = " ".join(result.reasons)
    assert "`problem`" in text and "`innovators`" in text
    assert "evidence" in text and "outside the cycle's window" in text
    assert len(result.reasons) == 4


def test_without_a_cycle_there_is_no_window_to_miss() -> None:
    assert screen(DEMO_PROPOSAL, [], NOW + timedelta(days=3650), None).passed
