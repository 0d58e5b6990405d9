"""One way to read settings: a frozen dataclass whose fields name their environment variable.

A field declared with ``env("NAME", default)`` is read from ``NAME`` by
``read(cls)``, parsed by its type (``str``, ``int``, ``float``, ``bool``,
``tuple[str, ...]`` as a comma-separated list) or by the parser given
(``count``, ``moment``, ``clock``, ``upper`` or any ``(name, text) -> value``).
An unset or empty variable leaves the default (``unset=`` when the process
started from the environment should default otherwise than code that builds
the object; ``keep_empty=True`` when "set but empty" means something).

Each service declares its own settings in its ``config.py``, on top of
``Settings`` below (what every process reads); tests build the dataclass
directly, only ``read`` and ``from_env`` look at ``os.environ``.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, replace
from datetime import datetime, time
from typing import Any, TypeVar, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_ENV = "inagara_env"
S = TypeVar("S")
Parser = Callable[[str, str], Any]


class SettingsError(ValueError):
    """An environment variable holds a value the services cannot use."""


# -- parsers: (variable name, stripped text) -> value; raise SettingsError ------


def text(_name: str, raw: str) -> str:
    return raw


def upper(_name: str, raw: str) -> str:
    return raw.upper()


ENVIRONMENTS = ("development", "production")


def environment(name: str, raw: str) -> str:
    if raw.lower() not in ENVIRONMENTS:
        raise SettingsError(f"{name} must be one of {', '.join(ENVIRONMENTS)}, got {raw!r}")
    return raw.lower()


def whole(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc


def count(name: str, raw: str) -> int:
    """A whole number of at least 1 (threads, attempts, limits)."""
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a whole number of at least 1, got {raw!r}")
    return int(raw)


def number(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


def flag(name: str, raw: str) -> bool:
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def names(_name: str, raw: str) -> tuple[str, ...]:
    """A comma-separated list, blanks dropped."""
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def cidr_list(name: str, raw: str) -> str:
    """Comma-separated networks such as ``127.0.0.0/8,::1/128`` (kept as text)."""
    for part in raw.split(","):
        try:
            if part.strip():
                ipaddress.ip_network(part.strip(), strict=False)
        except ValueError as exc:
            raise SettingsError(f"{name} must list networks such as 127.0.0.0/8: {exc}") from exc
    return raw


def moment(name: str, raw: str) -> str:
    """An ISO 8601 moment with its UTC offset, kept as text."""
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an ISO 8601 time, got {raw!r}") from exc
    if parsed.tzinfo is None:
        raise SettingsError(f"{name} needs a UTC offset (such as +07:00), got {raw!r}")
    return raw


def clock(name: str, raw: str) -> time:
    """A time of day, ``HH:MM``."""
    hours, _, minutes = raw.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise SettingsError(f"{name} must look like 07:00, got {raw!r}")
    try:
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise SettingsError(f"{name} must look like 07:00, got {raw!r}") from exc


def time_zone(name: str, raw: str) -> str:
    """An IANA time zone name, such as ``Asia/Jakarta``."""
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(
            f"{name} must be an IANA time zone such as Asia/Jakarta, got {raw!r}"
        ) from exc
    return raw


_BY_TYPE: dict[Any, Parser] = {
    str: text,
    int: whole,
    float: number,
    bool: flag,
    tuple[str, ...]: names,
    time: clock,
}


@dataclass(frozen=True)
class _Variable:
    name: str
    parse: Parser | None
    unset: Any
    keep_empty: bool


def env(
    name: str,
    default: Any,
    parse: Parser | None = None,
    *,
    secret: bool = False,
    unset: Any = MISSING,
    keep_empty: bool = False,
) -> Any:
    """A dataclass field read from the environment variable ``name`` by ``read``.

    ``default`` is the value in code (and when the variable is unset or empty);
    ``unset`` overrides it for ``read`` alone; ``secret`` keeps it out of ``repr``.
    """
    variable = _Variable(name, parse, unset, keep_empty)
    return field(default=default, repr=not secret, metadata={_ENV: variable})


def _parser(cls_field: Field[Any], variable: _Variable, hints: Mapping[str, Any]) -> Parser:
    if variable.parse is not None:
        return variable.parse
    try:
        return _BY_TYPE[hints[cls_field.name]]
    except KeyError:
        raise TypeError(f"{cls_field.name}: give env(..., parse=) for this type") from None


def read(cls: type[S], environ: Mapping[str, str] | None = None, **given: Any) -> S:
    """Build ``cls`` from ``environ`` (default ``os.environ``); ``given`` values win.

    Raises ``SettingsError`` naming the first variable that cannot be parsed.
    """
    source = os.environ if environ is None else environ
    hints = get_type_hints(cls)
    values: dict[str, Any] = {}
    for cls_field in fields(cls):  # type: ignore[arg-type]
        variable: _Variable | None = cls_field.metadata.get(_ENV)
        if variable is None or cls_field.name in given:
            continue
        raw = source.get(variable.name)
        stripped = None if raw is None else raw.strip()
        if stripped or (stripped == "" and variable.keep_empty):
            values[cls_field.name] = _parser(cls_field, variable, hints)(variable.name, stripped)
        elif variable.unset is not MISSING:
            values[cls_field.name] = variable.unset
    return cls(**values, **given)


def variables(cls: type[Any]) -> tuple[str, ...]:
    """The environment variables ``cls`` reads, in declaration order (for docs and tests)."""
    return tuple(f.metadata[_ENV].name for f in fields(cls) if _ENV in f.metadata)


def default_database_url(service: str) -> str:
    return f"sqlite:///var/{service}.db"


@dataclass(frozen=True)
class Settings:
    """What every service process reads: broker, database, logs, consumer tuning.

    A service's ``config.py`` subclasses it with its own fields (and its name as
    the default ``service``). Tests build one directly (or with ``with_``).
    """

    service: str = ""
    # `production` turns defaults meant for a laptop into errors at start: keys that
    # would be derived from the admin token, a missing SMS gateway (each names its setting).
    environment: str = env("INAGARA_ENVIRONMENT", "development", environment)
    kafka_bootstrap_servers: str = env("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    # How every Kafka client (producer, consumers, admin, probes, tools) authenticates:
    # PLAINTEXT for the local broker; SSL, SASL_PLAINTEXT or SASL_SSL for a secured cluster.
    kafka_security_protocol: str = env("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT", upper)
    kafka_sasl_mechanism: str = env("KAFKA_SASL_MECHANISM", "", upper)
    kafka_sasl_username: str = env("KAFKA_SASL_USERNAME", "")
    kafka_sasl_password: str = env("KAFKA_SASL_PASSWORD", "", secret=True)
    kafka_ssl_cafile: str = env("KAFKA_SSL_CAFILE", "")
    kafka_ssl_certfile: str = env("KAFKA_SSL_CERTFILE", "")
    kafka_ssl_keyfile: str = env("KAFKA_SSL_KEYFILE", "")
    kafka_ssl_check_hostname: bool = env("KAFKA_SSL_CHECK_HOSTNAME", True)
    database_url: str = env("DATABASE_URL", "")
    # Connections one process may hold to PostgreSQL: the pool, and the overflow beyond
    # it under a burst. Times the processes of a deployment: docs/OPERATE.md, "Connections".
    db_pool_size: int = env("DB_POOL_SIZE", 5, count)
    db_max_overflow: int = env("DB_MAX_OVERFLOW", 5)
    admin_token: str = env("INAGARA_ADMIN_TOKEN", "", secret=True)
    log_level: str = env("LOG_LEVEL", "INFO", upper)
    max_body_bytes: int = env("MAX_BODY_BYTES", 1_048_576)
    # Consumer tuning: the local broker forms a group in about half the session timeout.
    session_timeout_ms: int = env("KAFKA_SESSION_TIMEOUT_MS", 6000)
    heartbeat_interval_ms: int = env("KAFKA_HEARTBEAT_INTERVAL_MS", 1000)
    fetch_max_wait_ms: int = env("KAFKA_FETCH_MAX_WAIT_MS", 50)
    poll_interval_ms: int = env("OUTBOX_POLL_INTERVAL_MS", 50)
    commit_interval_ms: int = env("KAFKA_COMMIT_INTERVAL_MS", 1000)
    metrics_port: int = env("METRICS_PORT", 0)
    # A worker touches this file while its loops make progress (its liveness probe reads it).
    heartbeat_file: str = env("INAGARA_HEARTBEAT_FILE", "")
    # Built in code (tests, embedded use) a service migrates its own database;
    # started from the environment it refuses a database that is not at head
    # unless INAGARA_AUTO_MIGRATE says otherwise (the migration Job runs first).
    auto_migrate: bool = env("INAGARA_AUTO_MIGRATE", True, unset=False)

    def __post_init__(self) -> None:
        if not self.database_url and self.service:
            object.__setattr__(self, "database_url", default_database_url(self.service))
        _check_kafka_security(self)

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def with_(self: S, **changes: Any) -> S:
        return replace(self, **changes)  # type: ignore[type-var]

    @classmethod
    def from_env(
        cls: type[S], service: str = "", environ: Mapping[str, str] | None = None, **given: Any
    ) -> S:
        """``read(cls, environ)``, for ``service`` when given (a subclass knows its own)."""
        if service:
            given["service"] = service
        return read(cls, environ, **given)


KAFKA_SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
KAFKA_SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


def _check_kafka_security(settings: Settings) -> None:
    """Refuse a Kafka security setting that no client could connect with, naming it."""
    protocol = settings.kafka_security_protocol
    if protocol not in KAFKA_SECURITY_PROTOCOLS:
        raise SettingsError(
            f"KAFKA_SECURITY_PROTOCOL must be one of {', '.join(KAFKA_SECURITY_PROTOCOLS)}, "
            f"got {protocol!r}"
        )
    if protocol.startswith("SASL_"):
        if settings.kafka_sasl_mechanism not in KAFKA_SASL_MECHANISMS:
            raise SettingsError(
                f"KAFKA_SASL_MECHANISM must be one of {', '.join(KAFKA_SASL_MECHANISMS)} "
                f"with KAFKA_SECURITY_PROTOCOL={protocol}, "
                f"got {settings.kafka_sasl_mechanism!r}"
            )
        for name, value in (
            ("KAFKA_SASL_USERNAME", settings.kafka_sasl_username),
            ("KAFKA_SASL_PASSWORD", settings.kafka_sasl_password),
        ):
            if not value:
                raise SettingsError(f"{name} is required with KAFKA_SECURITY_PROTOCOL={protocol}")
    if bool(settings.kafka_ssl_certfile) != bool(settings.kafka_ssl_keyfile):
        raise SettingsError(
            "KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE go together (a client certificate and its key)"
        )
