"""Typed settings built from an environment mapping (never from os.environ in tests).

The base ``Settings`` (what every process reads) and the services' own subclasses
(``SubmissionSettings``: evidence and the configured cycle; ``NotificationSettings``:
SMTP, the SMS gateway and the WhatsApp API), all read the one way (``shared.platform.settings.read``).
"""

from __future__ import annotations

import dataclasses

import pytest

from services.notification.config import NotificationSettings
from services.submission.config import SubmissionSettings
from shared.platform.settings import Settings, SettingsError, variables

BASE_VARIABLES = {
    "KAFKA_BOOTSTRAP_SERVERS": "kafka-1:9092,kafka-2:9092",
    "DATABASE_URL": "postgresql://inagara@db/inagara",
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
    "KAFKA_SECURITY_PROTOCOL": "sasl_ssl",
    "KAFKA_SASL_MECHANISM": "scram-sha-512",
    "KAFKA_SASL_USERNAME": "inagara",
    "KAFKA_SASL_PASSWORD": "kafka-secret",
    "KAFKA_SSL_CAFILE": "/etc/inagara/kafka/ca.crt",
    "KAFKA_SSL_CERTFILE": "/etc/inagara/kafka/client.crt",
    "KAFKA_SSL_KEYFILE": "/etc/inagara/kafka/client.key",
    "KAFKA_SSL_CHECK_HOSTNAME": "false",
    "INAGARA_ENVIRONMENT": "Production",
    "INAGARA_HEARTBEAT_FILE": "/tmp/inagara-alive",
    "DB_POOL_SIZE": "3",
    "DB_MAX_OVERFLOW": "2",
}
WEBHOOK_VARIABLES = {
    "WEBHOOK_ALLOWED_NETWORKS": "10.20.0.0/16, fd00::/8",
    "WEBHOOK_SECRET_KEY": "webhook-key",
}
NOTIFICATION_VARIABLES = {
    "SMTP_HOST": "smtp.example.go.id",
    "SMTP_PORT": "587",
    "SMTP_USERNAME": "mailer",
    "SMTP_PASSWORD": "s3cret",
    "SMTP_STARTTLS": "yes",
    "MAIL_FROM": "Sekretariat <inovasi@example.go.id>",
    "SMS_GATEWAY_URL": "https://sms.example.go.id/send",
    "SMS_GATEWAY_TOKEN": "sms-token",
    "SMS_QUIET_HOURS": "22:00-06:00",
    "SMS_DISABLED": "true",
    "WHATSAPP_API_URL": "https://graph.facebook.com",
    "WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
    "WHATSAPP_TOKEN": "wa-token",
    **WEBHOOK_VARIABLES,
}
SUBMISSION_VARIABLES = {
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
    "PROPOSAL_EVENT_VERSION": "2",
    "GROUP_COMMIT_LEADERS": "3",
    "GROUP_COMMIT_GATHER_MS": "0.5",
    "SUBJECT_KEYS_TOKEN": "keys-token",
    "SUBJECT_MATCH_KEY": "match-key",
    "OBJECTOR_KEYS_URL": "http://review-web:8000",
    "WEBHOOK_ROTATION_GRACE_S": "3600",
    "PRIVACY_RETENTION_DAYS": "730",
    "PRIVACY_RETENTION_CYCLES": "2025=1000,2026=400",
    "PRIVACY_RETENTION_INTERVAL_S": "600",
    "PARTICIPATION_REMINDER_HOURS": "48",
    "ERASURE_NOTICE_HOURS": "48",
    **WEBHOOK_VARIABLES,
}
# Each service's settings read the base variables too (one environment for every process).
EVERY_VARIABLE = {**BASE_VARIABLES, **NOTIFICATION_VARIABLES, **SUBMISSION_VARIABLES}
# Fields no variable sets: the service name is an argument; the SMTP timeout is fixed.
NOT_FROM_ENV = {"service", "smtp_timeout_s"}
CLASSES = (Settings, NotificationSettings, SubmissionSettings)


def test_database_defaults_to_a_sqlite_file_per_service() -> None:
    assert Settings(service="review").database_url == "sqlite:///var/review.db"
    assert NotificationSettings().database_url == "sqlite:///var/notification.db"
    assert SubmissionSettings().database_url == "sqlite:///var/submission.db"


def test_explicit_database_url_is_kept() -> None:
    assert Settings(service="review", database_url="sqlite://").database_url == "sqlite://"


def test_empty_environment_gives_the_defaults() -> None:
    settings = Settings.from_env("review", {})

    # Only auto_migrate differs: from the environment a service does not migrate itself.
    assert settings == Settings(service="review", auto_migrate=False)
    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert settings.log_level == "INFO"
    notification = NotificationSettings.from_env(environ={})
    assert notification == NotificationSettings(auto_migrate=False)
    assert notification.smtp_port == 1025
    assert notification.smtp_starttls is False
    assert notification.sms_quiet_hours == "21:00-07:00"
    submission = SubmissionSettings.from_env(environ={})
    assert submission == SubmissionSettings(auto_migrate=False)
    assert submission.evidence_dir == "var/evidence"
    assert submission.max_evidence_file_bytes == 10_485_760
    assert submission.max_evidence_bytes_per_proposal == 52_428_800


BASE_EXPECTED = {
    "kafka_bootstrap_servers": "kafka-1:9092,kafka-2:9092",
    "database_url": "postgresql://inagara@db/inagara",
    "admin_token": "admin-token",
    "log_level": "DEBUG",
    "max_body_bytes": 2048,
    "session_timeout_ms": 10000,
    "heartbeat_interval_ms": 3000,
    "fetch_max_wait_ms": 500,
    "poll_interval_ms": 250,
    "commit_interval_ms": 2000,
    "metrics_port": 9100,
    "auto_migrate": False,
    "kafka_security_protocol": "SASL_SSL",
    "kafka_sasl_mechanism": "SCRAM-SHA-512",
    "kafka_sasl_username": "inagara",
    "kafka_sasl_password": "kafka-secret",
    "kafka_ssl_cafile": "/etc/inagara/kafka/ca.crt",
    "kafka_ssl_certfile": "/etc/inagara/kafka/client.crt",
    "kafka_ssl_keyfile": "/etc/inagara/kafka/client.key",
    "kafka_ssl_check_hostname": False,
    "environment": "production",
    "heartbeat_file": "/tmp/inagara-alive",
    "db_pool_size": 3,
    "db_max_overflow": 2,
}
WEBHOOK_EXPECTED = {
    "webhook_allowed_networks": "10.20.0.0/16, fd00::/8",
    "webhook_secret_key": "webhook-key",
}


def test_from_env_reads_every_variable() -> None:
    assert Settings.from_env("review", EVERY_VARIABLE) == Settings(
        service="review", **BASE_EXPECTED
    )
    assert NotificationSettings.from_env(environ=EVERY_VARIABLE) == NotificationSettings(
        **BASE_EXPECTED,
        smtp_host="smtp.example.go.id",
        smtp_port=587,
        smtp_username="mailer",
        smtp_password="s3cret",
        smtp_starttls=True,
        mail_from="Sekretariat <inovasi@example.go.id>",
        sms_gateway_url="https://sms.example.go.id/send",
        sms_gateway_token="sms-token",
        sms_quiet_hours="22:00-06:00",
        sms_disabled=True,
        whatsapp_api_url="https://graph.facebook.com",
        whatsapp_phone_number_id="106540352242922",
        whatsapp_token="wa-token",
        **WEBHOOK_EXPECTED,
    )
    assert SubmissionSettings.from_env(environ=EVERY_VARIABLE) == SubmissionSettings(
        **BASE_EXPECTED,
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
        proposal_event_version=2,
        group_commit_leaders=3,
        group_commit_gather_ms=0.5,
        subject_keys_token="keys-token",
        subject_match_key="match-key",
        objector_keys_url="http://review-web:8000",
        webhook_rotation_grace_s=3600.0,
        privacy_retention_days=730,
        privacy_retention_cycles="2025=1000,2026=400",
        privacy_retention_interval_s=600.0,
        participation_reminder_hours=48.0,
        erasure_notice_hours=48.0,
        **WEBHOOK_EXPECTED,
    )


def test_the_service_settings_hold_only_their_own_variables() -> None:
    # What only one service reads stays out of the base and out of the other service.
    base = set(BASE_VARIABLES)
    assert set(variables(Settings)) == base
    assert set(variables(NotificationSettings)) == base | set(NOTIFICATION_VARIABLES)
    assert set(variables(SubmissionSettings)) == base | set(SUBMISSION_VARIABLES)


def test_webhook_networks_must_be_networks() -> None:
    with pytest.raises(SettingsError, match="WEBHOOK_ALLOWED_NETWORKS"):
        SubmissionSettings.from_env(environ={"WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/8, x"})


@pytest.mark.parametrize("cls", CLASSES)
def test_every_other_field_has_a_variable(cls: type[Settings]) -> None:
    # A new setting without a variable would silently keep its default in production.
    default = cls(service="notification")
    configured = cls.from_env("notification", EVERY_VARIABLE)

    changed = {
        f.name
        for f in dataclasses.fields(cls)
        if getattr(configured, f.name) != getattr(default, f.name)
    }

    assert changed == {f.name for f in dataclasses.fields(cls)} - NOT_FROM_ENV


@pytest.mark.parametrize("cls", CLASSES)
def test_empty_strings_mean_default(cls: type[Settings]) -> None:
    blank = dict.fromkeys(EVERY_VARIABLE, "")
    expected = cls(service="review", auto_migrate=False)
    if cls is NotificationSettings:
        # ... except SMS_QUIET_HOURS, where an empty value turns quiet hours off.
        expected = expected.with_(sms_quiet_hours="")
    assert cls.from_env("review", blank) == expected


def test_unset_quiet_hours_mean_the_default_and_empty_means_none() -> None:
    assert NotificationSettings.from_env(environ={}).sms_quiet_hours == "21:00-07:00"
    quiet = NotificationSettings.from_env(environ={"SMS_QUIET_HOURS": ""}).sms_quiet_hours
    assert quiet == ""


def test_unusable_quiet_hours_name_the_variable() -> None:
    with pytest.raises(SettingsError, match="SMS_QUIET_HOURS"):
        NotificationSettings.from_env(environ={"SMS_QUIET_HOURS": "night"})


def test_a_configured_cycle_needs_moments_with_an_offset() -> None:
    with pytest.raises(SettingsError, match="SUBMISSION_OPENS_AT"):
        SubmissionSettings.from_env(environ={"SUBMISSION_OPENS_AT": "2026-01-05T00:00:00"})


def test_blank_numbers_mean_default() -> None:
    assert NotificationSettings.from_env(environ={"SMTP_PORT": "  "}).smtp_port == 1025
    assert Settings.from_env("review", {"METRICS_PORT": "  "}).metrics_port == 0


@pytest.mark.parametrize(
    ("cls", "name"),
    [
        (NotificationSettings, "SMTP_PORT"),
        (Settings, "MAX_BODY_BYTES"),
        (Settings, "KAFKA_SESSION_TIMEOUT_MS"),
        (Settings, "KAFKA_HEARTBEAT_INTERVAL_MS"),
        (Settings, "KAFKA_FETCH_MAX_WAIT_MS"),
        (Settings, "OUTBOX_POLL_INTERVAL_MS"),
        (Settings, "KAFKA_COMMIT_INTERVAL_MS"),
        (Settings, "METRICS_PORT"),
        (SubmissionSettings, "MAX_EVIDENCE_FILE_BYTES"),
        (SubmissionSettings, "MAX_EVIDENCE_BYTES_PER_PROPOSAL"),
    ],
)
def test_bad_whole_number_names_the_variable(cls: type[Settings], name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        cls.from_env("review", {name: "12.5"})


def test_from_the_environment_a_service_does_not_migrate_unless_told() -> None:
    assert Settings.from_env("review", {}).auto_migrate is False
    assert Settings.from_env("review", {"INAGARA_AUTO_MIGRATE": "yes"}).auto_migrate is True
    assert Settings(service="review").auto_migrate is True  # built in code: tests, embedded use


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("ON", True), ("0", False), ("no", False)]
)
def test_bool_spellings(raw: str, expected: bool) -> None:
    settings = NotificationSettings.from_env(environ={"SMTP_STARTTLS": raw})
    assert settings.smtp_starttls is expected


def test_bad_bool_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="SMTP_STARTTLS"):
        NotificationSettings.from_env(environ={"SMTP_STARTTLS": "maybe"})


def test_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)


@pytest.mark.parametrize("cls", CLASSES)
def test_secrets_stay_out_of_repr(cls: type[Settings]) -> None:
    text = repr(cls.from_env("review", EVERY_VARIABLE))
    for secret in ("s3cret", "sms-token", "admin-token", "minio-secret"):
        assert secret not in text


def test_with_returns_a_changed_copy() -> None:
    settings = NotificationSettings()

    changed = settings.with_(smtp_port=2525)

    assert changed.smtp_port == 2525
    assert settings.smtp_port == 1025
    assert changed.service == "notification"
    assert isinstance(changed, NotificationSettings)


def test_production_refuses_keys_derived_from_the_admin_token_and_a_silent_sms_gap() -> None:
    from services.notification.config import NotificationConfig, unsubscribe_secret
    from services.review.config import ReviewSettings

    production = Settings.from_env("review", {"INAGARA_ENVIRONMENT": "production"})
    assert production.production and not Settings().production
    with pytest.raises(SettingsError, match="INAGARA_SECRET_KEY is required"):
        ReviewSettings().session_key("admin", production=True)
    with pytest.raises(SettingsError, match="must differ from INAGARA_ADMIN_TOKEN"):
        ReviewSettings(secret_key="admin").session_key("admin", production=True)
    assert ReviewSettings(secret_key="own").session_key("admin", production=True) == "own"
    with pytest.raises(SettingsError, match="NOTIFICATION_SECRET_KEY is required"):
        unsubscribe_secret(NotificationConfig(), "admin", production=True)
    assert unsubscribe_secret(NotificationConfig(secret_key="k"), "admin", production=True) == "k"
    with pytest.raises(SettingsError, match="SMS_GATEWAY_URL is required"):
        NotificationSettings(environment="production")
    NotificationSettings(environment="production", sms_disabled=True)
    NotificationSettings(environment="production", sms_gateway_url="https://sms.example.org/send")
    with pytest.raises(SettingsError, match="INAGARA_ENVIRONMENT"):
        Settings.from_env("review", {"INAGARA_ENVIRONMENT": "staging"})
