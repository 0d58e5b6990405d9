"""Turning rows into plain dicts the views and use cases can rely on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything here is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def as_dict(row: Row[Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        key: aware(value) if isinstance(value, datetime) else value
        for key, value in row._mapping.items()
    }


def as_dicts(rows: Any) -> list[dict[str, Any]]:
    return [d for d in (as_dict(row) for row in rows) if d is not None]
