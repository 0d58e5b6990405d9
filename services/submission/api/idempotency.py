"""``Idempotency-Key`` on every creating POST: the one implementation
(``shared.web.idempotency``) on this service's table.

The same key with the same body gets the stored answer and does nothing
again; the same key with another body is a 422. Keys are scoped to the caller
(an agency, or the secretariat). Only successful answers are kept: a failed
request releases its key, so a retry may succeed. The claim commits on its own
(a concurrent retry gets a 409 at once); the answer is stored in the work's own
transaction where the view passes ``answer_within`` to its use case, else after it.
"""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import Schema, fields, validate

from services.submission.store.tables import idempotency_keys
from shared.web.idempotency import HEADER, MAX_KEY_LENGTH, Idempotency


class IdempotencyHeaderSchema(Schema):
    idempotency_key = fields.String(
        data_key=HEADER,
        load_default=None,
        validate=validate.Length(min=1, max=MAX_KEY_LENGTH),
        metadata={
            "description": "Retry with the same key and body to get the same answer "
            "and no second resource; another body with the same key is a 422."
        },
    )


def _principal() -> str:
    principal: str = g.principal
    return principal


def _without_secret(body: Any) -> Any:
    # A new API key's secret is shown once: a replay says so instead of storing it.
    if isinstance(body, dict) and "secret" in body:
        body = {**body, "secret": None}
    return body


# Put under the auth decorator (it sets ``g.principal``).
idempotent = Idempotency(idempotency_keys, _principal, scrub=_without_secret)
answer_within = idempotent.answer_within
