"""Idempotency-Key records: a claim before the work, the answer after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from services.submission.store.tables import idempotency_keys


@dataclass(frozen=True)
class Earlier:
    """What an earlier request with the same key got (``status_code`` None: still running)."""

    status_code: int | None
    body: Any
    headers: dict[str, str]
    same_request: bool


def _where(principal: str, key: str) -> Any:
    return (idempotency_keys.c.principal == principal) & (idempotency_keys.c.key == key)


def claim(engine: Engine, principal: str, key: str, fingerprint: str) -> Earlier | None:
    """Claim the key for this request; None when claimed, else the earlier request's record.

    The claim commits on its own so that a concurrent retry sees it at once.
    """
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(idempotency_keys).values(
                    principal=principal,
                    key=key,
                    request_hash=fingerprint,
                    created_at=datetime.now(UTC),
                )
            )
        return None
    except IntegrityError:
        with engine.connect() as conn:
            row = conn.execute(select(idempotency_keys).where(_where(principal, key))).first()
        if row is None:  # released between our insert and this read: try once more
            return claim(engine, principal, key, fingerprint)
        return Earlier(
            row.status_code, row.body, row.headers or {}, row.request_hash == fingerprint
        )


def complete(
    engine: Engine, principal: str, key: str, status_code: int, body: Any, headers: dict[str, str]
) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(idempotency_keys)
            .where(_where(principal, key))
            .values(status_code=status_code, body=body, headers=headers)
        )


def release(engine: Engine, principal: str, key: str) -> None:
    """Forget the claim: the request failed, so a retry may do the work."""
    with engine.begin() as conn:
        conn.execute(delete(idempotency_keys).where(_where(principal, key)))
