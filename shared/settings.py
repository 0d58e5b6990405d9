"""Typed settings, read once from the environment (DESIGN: Runtime)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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
        )
