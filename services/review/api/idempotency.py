"""``Idempotency-Key`` on the creating POSTs (DESIGN: HTTP).

The key and the answer are stored in the transaction that creates the thing,
so a retry either finds both or neither. The same key with the same body gets
the first answer again; with another body it is a 422. Keys are per caller.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Response, make_response, request
from marshmallow import Schema
from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from services.review.api.principal import Principal, transaction
from services.review.domain.errors import Invalid
from services.review.store.tables import idempotency_keys

HEADER = "Idempotency-Key"
DOC = {
    "parameters": [
        {
            "in": "header",
            "name": HEADER,
            "required": False,
            "schema": {"type": "string", "maxLength": 200},
            "description": "Retry with the same key and body to get the same answer and "
            "nothing created twice; another body with the same key is a 422.",
        }
    ]
}


def _fingerprint() -> str:
    body = request.get_json(silent=True)
    text = f"{request.method} {request.path}\0{json.dumps(body, sort_keys=True, default=str)}"
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(body: Any) -> Response:
    response = make_response(json.dumps(body), 201)
    response.mimetype = "application/json"
    response.headers["Idempotent-Replayed"] = "true"
    return response


def create_once(
    who: Principal, schema: Schema, create: Callable[[Connection], dict[str, Any]]
) -> dict[str, Any] | Response:
    """Run ``create`` in a transaction, once per (caller, Idempotency-Key)."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        with transaction() as conn:
            return create(conn)
    if len(key) > 200:
        raise Invalid({HEADER: ["At most 200 characters."]})
    fingerprint = _fingerprint()
    for _attempt in range(2):
        try:
            with transaction() as conn:
                earlier = conn.execute(
                    select(idempotency_keys).where(
                        idempotency_keys.c.principal == who.id, idempotency_keys.c.key == key
                    )
                ).first()
                if earlier is not None:
                    if earlier.request_hash != fingerprint:
                        raise Invalid({HEADER: ["Used before with another request."]})
                    return _replay(earlier.body)
                created = create(conn)
                conn.execute(
                    insert(idempotency_keys).values(
                        principal=who.id,
                        key=key,
                        request_hash=fingerprint,
                        body=json.loads(json.dumps(schema.dump(created), default=str)),
                        created_at=datetime.now(UTC),
                    )
                )
                return created
        except IntegrityError:
            continue  # a concurrent retry with the same key won: look again, find its answer
    raise Invalid({HEADER: ["A request with this key is still running; retry."]})
