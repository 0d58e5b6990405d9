"""Retention's pure rules (docs/PRIVACY.md, "Retention")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.submission.config import SubmissionSettings
from services.submission.domain.retention import (
    ERASED,
    MINIMISED,
    RetentionPolicy,
    minimised,
    outcome_for,
    parse_overrides,
)
from services.submission.usecases.retention import Retained
from services.submission.worker import report
from shared.platform.metrics import RETENTION_EVIDENCE, RETENTION_PROPOSALS, RETENTION_SUBJECTS
from shared.platform.settings import SettingsError

CLOSED = datetime(2025, 3, 1, tzinfo=UTC)


def test_a_cycle_expires_its_days_after_its_close_unless_named() -> None:
    policy = RetentionPolicy(365, {"2025": 30})
    assert policy.expires_at("2024", CLOSED) == CLOSED + timedelta(days=365)
    assert policy.expired("2025", CLOSED, CLOSED + timedelta(days=30))
    assert not policy.expired("2025", CLOSED, CLOSED + timedelta(days=29, hours=23))


def test_the_outcome_decides_what_is_kept() -> None:
    assert outcome_for("awarded") == MINIMISED
    assert {outcome_for(s) for s in ("rejected", "not_awarded", "withdrawn", "draft")} == {ERASED}
    for waiting in ("submitted", "in_review", "scored", "revision_requested", "shortlisted"):
        assert outcome_for(waiting) is None


def test_an_award_keeps_the_name_and_drops_the_contacts() -> None:
    held = {"name": "Citra", "email": "c@x.id", "phone": "+62813", "instant_channel": "sms"}
    assert minimised(held) == {"name": "Citra", "email": None, "phone": None, "minimised": True}
    assert minimised(minimised(held)) == minimised(held)


def test_overrides_read_and_refuse() -> None:
    assert parse_overrides(" 2025=730, ,cycle-b=0") == {"2025": 730, "cycle-b": 0}
    for bad in ("2025", "=3", "2025=-1", "2025=x"):
        with pytest.raises(ValueError):
            parse_overrides(bad)


def test_settings_refuse_a_bad_retention() -> None:
    with pytest.raises(SettingsError, match="PRIVACY_RETENTION_CYCLES"):
        SubmissionSettings.from_env("submission", {"PRIVACY_RETENTION_CYCLES": "2025:3"})
    with pytest.raises(SettingsError, match="PRIVACY_RETENTION_DAYS"):
        SubmissionSettings.from_env("submission", {"PRIVACY_RETENTION_DAYS": "-1"})


def test_a_round_is_reported_in_the_log_and_the_metrics(caplog: pytest.LogCaptureFixture) -> None:
    erased = RETENTION_PROPOSALS.labels(outcome=ERASED)
    before = (erased._value.get(), RETENTION_SUBJECTS.labels(service="submission")._value.get())
    files_before = RETENTION_EVIDENCE.labels(service="submission")._value.get()
    caplog.set_level("INFO", logger="services.submission.worker")

    report(
        [
            Retained("p-1", "2025", ERASED, ("s-1", "s-2"), evidence_deleted=3),
            Retained("p-2", "2025", MINIMISED, ()),
        ]
    )

    assert (erased._value.get(), RETENTION_SUBJECTS.labels(service="submission")._value.get()) == (
        before[0] + 1,
        before[1] + 2,
    )
    assert "retention: cycles 2025: 1 proposals erased, 1 minimised (awarded), 2 subjects" in (
        caplog.text
    )
    assert "2 subjects erased, 3 evidence files deleted" in caplog.text
    assert RETENTION_EVIDENCE.labels(service="submission")._value.get() == files_before + 3
