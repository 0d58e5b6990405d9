"""The one way to read settings (``shared.platform.settings``): fields name their variable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

import pytest

from shared.platform.settings import (
    Settings,
    SettingsError,
    count,
    env,
    moment,
    read,
    variables,
)


@dataclass(frozen=True)
class Example:
    name: str = env("EX_NAME", "anon")
    port: int = env("EX_PORT", 25)
    rate: float = env("EX_RATE", 1.5)
    tls: bool = env("EX_TLS", False)
    topics: tuple[str, ...] = env("EX_TOPICS", ("a", "b"))
    senders: int = env("EX_SENDERS", 1, count)
    at: time = env("EX_AT", time(7, 0))
    opens: str = env("EX_OPENS", "", moment)
    quiet: str = env("EX_QUIET", "21:00-07:00", keep_empty=True)
    migrate: bool = env("EX_MIGRATE", True, unset=False)
    token: str = env("EX_TOKEN", "", secret=True)
    fixed: float = 10.0  # no variable: code only


def test_unset_and_empty_variables_leave_the_defaults_but_unset_overrides() -> None:
    assert read(Example, {"EX_NAME": "  ", "EX_PORT": ""}) == Example(migrate=False)


def test_every_variable_is_parsed_by_its_type_or_its_parser() -> None:
    settings = read(
        Example,
        {
            "EX_NAME": " mailer ",
            "EX_PORT": "587",
            "EX_RATE": "0.25",
            "EX_TLS": "yes",
            "EX_TOPICS": "x, y,,z",
            "EX_SENDERS": "3",
            "EX_AT": "06:30",
            "EX_OPENS": "2026-01-05T00:00:00+07:00",
            "EX_QUIET": "",
            "EX_MIGRATE": "on",
            "EX_TOKEN": "s3cret",
            "fixed": "1",
        },
    )

    assert settings == Example(
        name="mailer",
        port=587,
        rate=0.25,
        tls=True,
        topics=("x", "y", "z"),
        senders=3,
        at=time(6, 30),
        opens="2026-01-05T00:00:00+07:00",
        quiet="",
        migrate=True,
        token="s3cret",
    )
    assert "s3cret" not in repr(settings)


def test_given_values_win_over_the_environment() -> None:
    assert read(Example, {"EX_PORT": "587"}, port=2525).port == 2525


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("EX_PORT", "twenty", "EX_PORT must be a whole number"),
        ("EX_RATE", "fast", "EX_RATE must be a number"),
        ("EX_TLS", "maybe", "EX_TLS must be true or false"),
        ("EX_SENDERS", "0", "EX_SENDERS must be a whole number of at least 1"),
        ("EX_AT", "7am", "EX_AT must look like 07:00"),
        ("EX_AT", "25:00", "EX_AT must look like 07:00"),
        ("EX_OPENS", "2026-01-05T00:00:00", "EX_OPENS needs a UTC offset"),
        ("EX_OPENS", "soon", "EX_OPENS must be an ISO 8601 time"),
    ],
)
def test_a_bad_value_names_its_variable(variable: str, value: str, says: str) -> None:
    with pytest.raises(SettingsError, match=says):
        read(Example, {variable: value})


def test_variables_lists_what_a_class_reads() -> None:
    assert variables(Example)[:3] == ("EX_NAME", "EX_PORT", "EX_RATE")
    assert "fixed" not in variables(Example)


def test_the_base_settings_hold_no_service_field() -> None:
    assert set(variables(Settings)) == {
        "KAFKA_BOOTSTRAP_SERVERS",
        "DATABASE_URL",
        "INAGARA_ADMIN_TOKEN",
        "LOG_LEVEL",
        "MAX_BODY_BYTES",
        "KAFKA_SESSION_TIMEOUT_MS",
        "KAFKA_HEARTBEAT_INTERVAL_MS",
        "KAFKA_FETCH_MAX_WAIT_MS",
        "OUTBOX_POLL_INTERVAL_MS",
        "KAFKA_COMMIT_INTERVAL_MS",
        "METRICS_PORT",
        "INAGARA_AUTO_MIGRATE",
        "KAFKA_SECURITY_PROTOCOL",
        "KAFKA_SASL_MECHANISM",
        "KAFKA_SASL_USERNAME",
        "KAFKA_SASL_PASSWORD",
        "KAFKA_SSL_CAFILE",
        "KAFKA_SSL_CERTFILE",
        "KAFKA_SSL_KEYFILE",
        "KAFKA_SSL_CHECK_HOSTNAME",
        "INAGARA_ENVIRONMENT",
        "INAGARA_HEARTBEAT_FILE",
        "DB_POOL_SIZE",
        "DB_MAX_OVERFLOW",
    }


@dataclass(frozen=True)
class ServiceSettings(Settings):
    service: str = "example"
    evidence_dir: str = env("EVIDENCE_DIR", "var/evidence")


def test_a_service_extends_the_base_and_knows_its_name() -> None:
    settings = ServiceSettings.from_env(environ={"EVIDENCE_DIR": "/data", "LOG_LEVEL": "debug"})

    assert (settings.service, settings.evidence_dir, settings.log_level) == (
        "example",
        "/data",
        "DEBUG",
    )
    assert settings.database_url == "sqlite:///var/example.db"
    assert settings.auto_migrate is False  # from the environment a service does not migrate
    assert settings.with_(evidence_dir="x").evidence_dir == "x"
    assert Settings.from_env("review", {}).database_url == "sqlite:///var/review.db"
