"""Typed settings, read once from the environment (DESIGN: Runtime)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any


class SettingsError(ValueError):
    """An environment variable holds a value the services cannot use."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _timestamp(env: Mapping[str, str], name: str) -> str:
    """An ISO 8601 moment with its offset, kept as text; empty when unset."""
    raw = env.get(name, "").strip()
    if not raw:
        return ""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an ISO 8601 time, got {raw!r}") from exc
    if moment.tzinfo is None:
        raise SettingsError(f"{name} needs a UTC offset (such as +07:00), got {raw!r}")
    return raw


def default_database_url(service: str) -> str:
    return f"sqlite:///var/{service}.db"


@dataclass(frozen=True)
class Settings:
    """Everything a service process reads from its environment.

    Tests build one directly (or with ``replace``); only ``from_env`` looks at
    ``os.environ``.
    """

    service: str
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    database_url: str = ""
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = False
    smtp_timeout_s: float = 10.0
    mail_from: str = "Inagara <noreply@inagara.local>"
    sms_gateway_url: str = ""
    sms_gateway_token: str = field(default="", repr=False)
    sms_quiet_hours: str = "21:00-07:00"
    admin_token: str = field(default="", repr=False)
    log_level: str = "INFO"
    max_body_bytes: int = 1_048_576
    # Consumer tuning: the local broker forms a group in about half the session timeout.
    session_timeout_ms: int = 6000
    heartbeat_interval_ms: int = 1000
    fetch_max_wait_ms: int = 50
    poll_interval_ms: int = 50
    commit_interval_ms: int = 1000
    metrics_port: int = 0
    # Built in code (tests, embedded use) a service migrates its own database;
    # started from the environment it refuses a database that is not at head
    # unless INAGARA_AUTO_MIGRATE says otherwise (the migration Job runs first).
    auto_migrate: bool = True
    # Submission: evidence files (a local directory unless an S3 bucket is named)
    # and a configured submission window for deployments without cycle events.
    evidence_dir: str = "var/evidence"
    evidence_s3_bucket: str = ""
    evidence_s3_endpoint_url: str = ""
    evidence_s3_region: str = ""
    evidence_s3_access_key_id: str = ""
    evidence_s3_secret_access_key: str = field(default="", repr=False)
    max_evidence_file_bytes: int = 10_485_760
    max_evidence_bytes_per_proposal: int = 52_428_800
    submission_cycle_id: str = ""
    submission_opens_at: str = ""
    submission_closes_at: str = ""

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", default_database_url(self.service))

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, service: str, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            service=service,
            kafka_bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS", "") or "127.0.0.1:9092",
            database_url=env.get("DATABASE_URL", "") or default_database_url(service),
            smtp_host=env.get("SMTP_HOST", "") or "127.0.0.1",
            smtp_port=_int(env, "SMTP_PORT", 1025),
            smtp_username=env.get("SMTP_USERNAME", ""),
            smtp_password=env.get("SMTP_PASSWORD", ""),
            smtp_starttls=_bool(env, "SMTP_STARTTLS", False),
            mail_from=env.get("MAIL_FROM", "") or "Inagara <noreply@inagara.local>",
            sms_gateway_url=env.get("SMS_GATEWAY_URL", ""),
            sms_gateway_token=env.get("SMS_GATEWAY_TOKEN", ""),
            # Set but empty turns quiet hours off; unset means the default.
            sms_quiet_hours=env.get("SMS_QUIET_HOURS", "21:00-07:00").strip(),
            admin_token=env.get("INAGARA_ADMIN_TOKEN", ""),
            log_level=(env.get("LOG_LEVEL", "") or "INFO").upper(),
            max_body_bytes=_int(env, "MAX_BODY_BYTES", 1_048_576),
            session_timeout_ms=_int(env, "KAFKA_SESSION_TIMEOUT_MS", 6000),
            heartbeat_interval_ms=_int(env, "KAFKA_HEARTBEAT_INTERVAL_MS", 1000),
            fetch_max_wait_ms=_int(env, "KAFKA_FETCH_MAX_WAIT_MS", 50),
            poll_interval_ms=_int(env, "OUTBOX_POLL_INTERVAL_MS", 50),
            commit_interval_ms=_int(env, "KAFKA_COMMIT_INTERVAL_MS", 1000),
            metrics_port=_int(env, "METRICS_PORT", 0),
            auto_migrate=_bool(env, "INAGARA_AUTO_MIGRATE", False),
            evidence_dir=env.get("EVIDENCE_DIR", "") or "var/evidence",
            evidence_s3_bucket=env.get("EVIDENCE_S3_BUCKET", ""),
            evidence_s3_endpoint_url=env.get("EVIDENCE_S3_ENDPOINT_URL", ""),
            evidence_s3_region=env.get("EVIDENCE_S3_REGION", ""),
            evidence_s3_access_key_id=env.get("EVIDENCE_S3_ACCESS_KEY_ID", ""),
            evidence_s3_secret_access_key=env.get("EVIDENCE_S3_SECRET_ACCESS_KEY", ""),
            max_evidence_file_bytes=_int(env, "MAX_EVIDENCE_FILE_BYTES", 10_485_760),
            max_evidence_bytes_per_proposal=_int(
                env, "MAX_EVIDENCE_BYTES_PER_PROPOSAL", 52_428_800
            ),
            submission_cycle_id=env.get("SUBMISSION_CYCLE_ID", ""),
            submission_opens_at=_timestamp(env, "SUBMISSION_OPENS_AT"),
            submission_closes_at=_timestamp(env, "SUBMISSION_CLOSES_AT"),
        )
