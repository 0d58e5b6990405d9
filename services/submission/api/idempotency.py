"""``Idempotency-Key`` on every creating POST: the shared rule
(``shared.web.idempotency``, which documents what a retry sees), stored in this
service's ``idempotency_keys`` table, keyed by the caller's principal.

A new API key's secret is shown once: a replay says so instead of storing it.
"""

from __future__ import annotations

from typing import Any

from flask import g

from services.submission.api.auth import ctx
from services.submission.store.tables import idempotency_keys
from shared.web.idempotency import HEADER, Idempotency, IdempotencyHeaderSchema

__all__ = ["HEADER", "IdempotencyHeaderSchema", "answer_within", "idempotent"]


def _without_secret(body: Any) -> Any:
    if isinstance(body, dict) and "secret" in body:
        body = {**body, "secret": None}
    return body


# Put under the auth decorator (it needs ``g.principal``).
idempotent = Idempotency(
    idempotency_keys,
    principal=lambda: str(g.principal),
    engine=lambda: ctx().engine,
    scrub=_without_secret,
)
answer_within = idempotent.answer_within
