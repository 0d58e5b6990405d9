"""Typed settings built from an environment mapping (never from os.environ in tests)."""

from __future__ import annotations

import dataclasses

import pytest

from shared.settings import Settings, SettingsError

EVERY_VARIABLE = {
    "KAFKA_BOOTSTRAP_SERVERS": "kafka-1:9092,kafka-2:9092",
    "DATABASE_URL": "postgresql://inagara@db/inagara",
    "SMTP_HOST": "smtp.example.go.id",
    "SMTP_PORT": "587",
    "SMTP_USERNAME": "mailer",
    "SMTP_PASSWORD": "s3cret",
    "SMTP_STARTTLS": "yes",
    "MAIL_FROM": "Sekretariat <inovasi@example.go.id>",
    "SMS_GATEWAY_URL": "https://sms.example.go.id/send",
    "SMS_GATEWAY_TOKEN": "sms-token",
    "SMS_QUIET_HOURS": "22:00-06:00",
    "INAGARA_ADMIN_TOKEN": "admin-token",
    "LOG_LEVEL": "debug",
    "MAX_BODY_BYTES": "2048",
    "KAFKA_SESSION_TIMEOUT_MS": "10000",
    "KAFKA_HEARTBEAT_INTERVAL_MS": "3000",
    "KAFKA_FETCH_MAX_WAIT_MS": "500",
    "OUTBOX_POLL_INTERVAL_MS": "250",
    "KAFKA_COMMIT_INTERVAL_MS": "2000",
    "METRICS_PORT": "9100",
    "INAGARA_AUTO_MIGRATE": "false",
    "EVIDENCE_DIR": "/data/evidence",
    "EVIDENCE_S3_BUCKET": "inagara-evidence",
    "EVIDENCE_S3_ENDPOINT_URL": "http://minio:9000",
    "EVIDENCE_S3_REGION": "ap-southeast-3",
    "EVIDENCE_S3_ACCESS_KEY_ID": "minio",
    "EVIDENCE_S3_SECRET_ACCESS_KEY": "minio-secret",
    "MAX_EVIDENCE_FILE_BYTES": "1000",
    "MAX_EVIDENCE_BYTES_PER_PROPOSAL": "5000",
    "SUBMISSION_CYCLE_ID": "2026",
    "SUBMISSION_OPENS_AT": "2026-01-05T00:00:00+07:00",
    "SUBMISSION_CLOSES_AT": "2026-03-01T00:00:00+07:00",
}
# Fields no variable sets: the service name is an argument; the SMTP timeout is fixed.
NOT_FROM_ENV = {"service", "smtp_timeout_s"}


def test_database_defaults_to_a_sqlite_file_per_service() -> None:
    assert Settings(service="review").database_url == "sqlite:///var/review.db"
    assert Settings(service="notification").database_url == "sqlite:///var/notification.db"


def test_explicit_database_url_is_kept() -> None:
    assert Settings(service="review", database_url="sqlite://").database_url == "sqlite://"


def test_empty_environment_gives_the_defaults() -> None:
    settings = Settings.from_env("submission", {})

    # Only auto_migrate differs: from the environment a service does not migrate itself.
    assert settings == Settings(service="submission", auto_migrate=False)
    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert settings.smtp_port == 1025
    assert settings.smtp_starttls is False
    assert settings.sms_quiet_hours == "21:00-07:00"
    assert settings.log_level == "INFO"


def test_from_env_reads_every_variable() -> None:
    settings = Settings.from_env("notification", EVERY_VARIABLE)

    assert settings == Settings(
        service="notification",
        kafka_bootstrap_servers="kafka-1:9092,kafka-2:9092",
        database_url="postgresql://inagara@db/inagara",
        smtp_host="smtp.example.go.id",
        smtp_port=587,
        smtp_username="mailer",
        smtp_password="s3cret",
        smtp_starttls=True,
        mail_from="Sekretariat <inovasi@example.go.id>",
        sms_gateway_url="https://sms.example.go.id/send",
        sms_gateway_token="sms-token",
        sms_quiet_hours="22:00-06:00",
        admin_token="admin-token",
        log_level="DEBUG",
        max_body_bytes=2048,
        session_timeout_ms=10000,
        heartbeat_interval_ms=3000,
        fetch_max_wait_ms=500,
        poll_interval_ms=250,
        commit_interval_ms=2000,
        metrics_port=9100,
        auto_migrate=False,
        evidence_dir="/data/evidence",
        evidence_s3_bucket="inagara-evidence",
        evidence_s3_endpoint_url="http://minio:9000",
        evidence_s3_region="ap-southeast-3",
        evidence_s3_access_key_id="minio",
        evidence_s3_secret_access_key="minio-secret",
        max_evidence_file_bytes=1000,
        max_evidence_bytes_per_proposal=5000,
        submission_cycle_id="2026",
        submission_opens_at="2026-01-05T00:00:00+07:00",
        submission_closes_at="2026-03-01T00:00:00+07:00",
    )


def test_every_other_field_has_a_variable() -> None:
    # A new setting without a variable would silently keep its default in production.
    default = Settings(service="notification")
    configured = Settings.from_env("notification", EVERY_VARIABLE)

    changed = {
        f.name
        for f in dataclasses.fields(Settings)
        if getattr(configured, f.name) != getattr(default, f.name)
    }

    assert changed == {f.name for f in dataclasses.fields(Settings)} - NOT_FROM_ENV


def test_empty_strings_mean_default() -> None:
    blank = dict.fromkeys(EVERY_VARIABLE, "")
    # ... except SMS_QUIET_HOURS, where an empty value turns quiet hours off.
    assert Settings.from_env("review", blank) == Settings(
        service="review", sms_quiet_hours="", auto_migrate=False
    )


def test_unset_quiet_hours_mean_the_default_and_empty_means_none() -> None:
    assert Settings.from_env("notification", {}).sms_quiet_hours == "21:00-07:00"
    assert Settings.from_env("notification", {"SMS_QUIET_HOURS": ""}).sms_quiet_hours == ""


def test_blank_numbers_mean_default() -> None:
    assert Settings.from_env("review", {"SMTP_PORT": "  "}).smtp_port == 1025


@pytest.mark.parametrize(
    "name",
    [
        "SMTP_PORT",
        "MAX_BODY_BYTES",
        "KAFKA_SESSION_TIMEOUT_MS",
        "KAFKA_HEARTBEAT_INTERVAL_MS",
        "KAFKA_FETCH_MAX_WAIT_MS",
        "OUTBOX_POLL_INTERVAL_MS",
        "KAFKA_COMMIT_INTERVAL_MS",
        "METRICS_PORT",
    ],
)
def test_bad_whole_number_names_the_variable(name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env("review", {name: "12.5"})


def test_from_the_environment_a_service_does_not_migrate_unless_told() -> None:
    assert Settings.from_env("review", {}).auto_migrate is False
    assert Settings.from_env("review", {"INAGARA_AUTO_MIGRATE": "yes"}).auto_migrate is True
    assert Settings(service="review").auto_migrate is True  # built in code: tests, embedded use


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("ON", True), ("0", False), ("no", False)]
)
def test_bool_spellings(raw: str, expected: bool) -> None:
    assert Settings.from_env("review", {"SMTP_STARTTLS": raw}).smtp_starttls is expected


def test_bad_bool_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="SMTP_STARTTLS"):
        Settings.from_env("review", {"SMTP_STARTTLS": "maybe"})


def test_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)


def test_secrets_stay_out_of_repr() -> None:
    settings = Settings.from_env("review", EVERY_VARIABLE)
    text = repr(settings)
    for secret in ("s3cret", "sms-token", "admin-token"):
        assert secret not in text


def test_with_returns_a_changed_copy() -> None:
    settings = Settings(service="review")

    changed = settings.with_(smtp_port=2525)

    assert changed.smtp_port == 2525
    assert settings.smtp_port == 1025
    assert changed.service == "review"
