"""JSON logs with the proposal's correlation id on every line, and nothing secret.

The correlation id lives in a context variable: the consumer loop sets it
around each handler, the web process per request (from the ``X-Correlation-Id``
header, or the proposal in the path). A filter masks bearer tokens, API keys,
passwords in URLs and all but the ends of phone numbers before a line is
written.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="")

_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)(bearer\s+)[^\s'\",]+"), r"\1[redacted]"),
    (re.compile(r"inag_[0-9a-f]{8}_[A-Za-z0-9_-]+"), "inag_[redacted]"),
    (
        re.compile(r"(?i)(password|token|secret)(['\"]?\s*[=:]\s*['\"]?)[^\s'\",&]+"),
        r"\1\2[redacted]",
    ),
    (re.compile(r"(://[^:/@\s]+:)[^@/\s]+@"), r"\1[redacted]@"),
)
# +62812345678901 → +6281*******901: enough to tell numbers apart, not to call one.
_PHONES = re.compile(r"(\+\d{4}|\b0\d{2})(\d{4,9})(\d{3})\b")


def mask_phone(match: re.Match[str]) -> str:
    return f"{match.group(1)}{'*' * len(match.group(2))}{match.group(3)}"


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return _PHONES.sub(mask_phone, text)


@contextmanager
def correlated(value: str) -> Iterator[None]:
    """Every log line inside carries ``value`` as its correlation id."""
    token = correlation_id.set(value)
    try:
        yield
    finally:
        correlation_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, service, correlation id, message."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "service": self.service,
            "thread": record.threadName,
            "correlation_id": correlation_id.get(),
            "message": redact(record.getMessage()),
        }
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def configure_logging(service: str, level: str) -> None:
    """Route every logger (ours, kafka-python's, gunicorn's) through the JSON formatter."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    logging.getLogger("kafka").setLevel(logging.WARNING)
