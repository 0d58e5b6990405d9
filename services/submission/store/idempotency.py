"""Idempotency-Key records: a claim before the work, the answer after it (or with it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from services.submission.store.tables import idempotency_keys


@dataclass(frozen=True)
class Earlier:
    """What an earlier request with the same key got (``status_code`` None: still running)."""

    status_code: int | None
    body: Any
    headers: dict[str, str]
    same_request: bool


# Built once, run with parameters (the bind names differ from the columns set).
_THIS_KEY = (idempotency_keys.c.principal == bindparam("_principal")) & (
    idempotency_keys.c.key == bindparam("_key")
)
_CLAIM = insert(idempotency_keys)
_FIND = select(idempotency_keys).where(_THIS_KEY)
_ANSWER = update(idempotency_keys).where(_THIS_KEY)
_RELEASE = delete(idempotency_keys).where(_THIS_KEY, idempotency_keys.c.status_code.is_(None))


def _this(principal: str, key: str) -> dict[str, Any]:
    return {"_principal": principal, "_key": key}


def claim(engine: Engine, principal: str, key: str, fingerprint: str) -> Earlier | None:
    """Claim the key for this request; None when claimed, else the earlier request's record.

    The claim commits on its own so that a concurrent retry sees it at once.
    """
    try:
        with engine.begin() as conn:
            conn.execute(
                _CLAIM,
                {
                    "principal": principal,
                    "key": key,
                    "request_hash": fingerprint,
                    "created_at": datetime.now(UTC),
                },
            )
        return None
    except IntegrityError:
        with engine.connect() as conn:
            row = conn.execute(_FIND, _this(principal, key)).first()
        if row is None:  # released between our insert and this read: try once more
            return claim(engine, principal, key, fingerprint)
        return Earlier(
            row.status_code, row.body, row.headers or {}, row.request_hash == fingerprint
        )


def answer(
    conn: Connection,
    principal: str,
    key: str,
    status_code: int,
    body: Any,
    headers: dict[str, str],
) -> None:
    """Store the answer to a claimed key in ``conn``'s transaction (the work's own, ideally)."""
    conn.execute(
        _ANSWER,
        {**_this(principal, key), "status_code": status_code, "body": body, "headers": headers},
    )


def complete(
    engine: Engine, principal: str, key: str, status_code: int, body: Any, headers: dict[str, str]
) -> None:
    """Store the answer in a transaction of its own (after work that committed already)."""
    with engine.begin() as conn:
        answer(conn, principal, key, status_code, body, headers)


def release(engine: Engine, principal: str, key: str) -> None:
    """Forget the claim: the request failed, so a retry may do the work.

    An answered claim stays: its work committed with the answer, so a retry replays it.
    """
    with engine.begin() as conn:
        conn.execute(_RELEASE, _this(principal, key))
