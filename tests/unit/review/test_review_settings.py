"""The review service's own settings, read from a mapping."""

from __future__ import annotations

import pytest

from services.review.config import ReviewSettings
from shared.platform.settings import SettingsError


def test_defaults_and_every_variable() -> None:
    assert ReviewSettings.from_env({}) == ReviewSettings()
    configured = ReviewSettings.from_env(
        {
            "INAGARA_SECRET_KEY": "k" * 40,
            "REVIEW_TRUST_PROXY": "yes",
            "REVIEW_REMINDER_BEFORE_HOURS": "12",
            "REVIEW_REMINDER_CHECK_INTERVAL_S": "5",
            "REVIEW_DISAGREEMENT_SPREAD": "15.5",
            "REVIEW_EXPORT_CHECK_INTERVAL_S": "0.5",
            "REVIEW_EXPORT_TTL_HOURS": "6",
            "REVIEW_UI_URL": "https://review.example.go.id",
            "REVIEW_INVITE_TTL_HOURS": "24",
            "REVIEW_RESET_TTL_MINUTES": "15",
            "REVIEW_REQUIRE_SECOND_FACTOR": "false",
            "SMTP_HOST": "smtp.example.go.id",
            "SMTP_PORT": "587",
            "SMTP_USERNAME": "mailer",
            "SMTP_PASSWORD": "smtp-secret",
            "SMTP_STARTTLS": "yes",
            "MAIL_FROM": "Sekretariat <inovasi@example.go.id>",
            "REVIEW_OBJECTIONS_PER_HOUR": "3",
            "REVIEW_OBJECTION_MAX_FILE_BYTES": "1000000",
            "REVIEW_OBJECTION_MIN_FILL_S": "4.5",
            "SUBJECT_KEYS_TOKEN": "keys-secret",
            "SUBJECT_MATCH_KEY": "match-secret",
        }
    )
    assert configured == ReviewSettings(
        12.0,
        5.0,
        15.5,
        "k" * 40,
        True,
        export_check_interval_s=0.5,
        export_ttl_hours=6.0,
        ui_url="https://review.example.go.id",
        invite_ttl_hours=24.0,
        reset_ttl_minutes=15.0,
        require_second_factor=False,
        smtp_host="smtp.example.go.id",
        smtp_port=587,
        smtp_username="mailer",
        smtp_password="smtp-secret",
        smtp_starttls=True,
        mail_from="Sekretariat <inovasi@example.go.id>",
        objections_per_hour=3,
        objection_max_file_bytes=1_000_000,
        objection_min_fill_s=4.5,
        subject_keys_token="keys-secret",
        subject_match_key="match-secret",
    )
    assert "smtp-secret" not in repr(configured)
    assert "keys-secret" not in repr(configured)
    assert "match-secret" not in repr(configured)
    assert "k" * 40 not in repr(configured)


@pytest.mark.parametrize(
    ("name", "raw"), [("REVIEW_REMINDER_BEFORE_HOURS", "soon"), ("REVIEW_TRUST_PROXY", "maybe")]
)
def test_a_bad_value_names_the_variable(name: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=name):
        ReviewSettings.from_env({name: raw})


def test_the_session_key_is_shared_by_processes_of_one_deployment() -> None:
    settings = ReviewSettings()
    assert settings.session_key("admin") == settings.session_key("admin")
    assert "admin" not in settings.session_key("admin")
    assert settings.session_key("") != settings.session_key("")
    assert ReviewSettings(secret_key="set").session_key("admin") == "set"
