"""``Idempotency-Key`` on every creating POST.

The same key with the same body gets the stored answer and does nothing
again; the same key with another body is a 422. Keys are scoped to the caller
(an agency, or the secretariat). Only successful answers are kept: a failed
request releases its key, so a retry may succeed. The claim commits on its own
(a concurrent retry gets a 409 at once); the answer is stored in the work's own
transaction where the view passes ``answer_within`` to its use case, else after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Response, g, make_response, request
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import Connection

from services.submission.api.auth import ctx
from services.submission.store import idempotency

F = TypeVar("F", bound=Callable[..., Any])
HEADER = "Idempotency-Key"
REPLAYED_HEADERS = ("Location",)


class IdempotencyHeaderSchema(Schema):
    idempotency_key = fields.String(
        data_key=HEADER,
        load_default=None,
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "Retry with the same key and body to get the same answer "
            "and no second resource; another body with the same key is a 422."
        },
    )


def fingerprint() -> str:
    """What makes two requests "the same": method, path, query and the parsed body.

    A multipart upload is compared by its fields and its files' names and bytes
    (the boundary differs on every retry).
    """
    digest = hashlib.sha256(f"{request.method} {request.path}?{request.query_string!r}".encode())
    if request.mimetype == "multipart/form-data":
        for name, value in sorted(request.form.items(multi=True)):
            digest.update(f"\0form:{name}={value}".encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda kv: kv[0]):
            data = upload.stream.read()
            upload.stream.seek(0)
            digest.update(f"\0file:{name}:{upload.filename}:".encode())
            digest.update(hashlib.sha256(data).digest())
    else:
        body = request.get_json(silent=True)
        digest.update(json.dumps(body, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _replay(earlier: idempotency.Earlier) -> Response:
    response = make_response(json.dumps(earlier.body), earlier.status_code)
    response.mimetype = "application/json"
    response.headers.update(earlier.headers)
    response.headers["Idempotent-Replayed"] = "true"
    return response


@dataclass
class _Claim:
    principal: str
    key: str
    answered: bool = False


def answer_within(
    status_code: int, headers: Callable[[dict[str, Any]], dict[str, str]]
) -> Callable[[Connection, dict[str, Any]], None] | None:
    """For a view under ``idempotent``: store the answer in the work's own transaction.

    Give the result to a store use case, which calls it with its connection and the
    body it answers before it commits; the decorator then has nothing left to store
    (one commit fewer), and the work and its answer commit together. None when the
    request has no Idempotency-Key.
    """
    claimed: _Claim | None = g.get("idempotency_claim")
    if claimed is None:
        return None

    def store_answer(conn: Connection, body: dict[str, Any]) -> None:
        replayed = {h: v for h, v in headers(body).items() if h in REPLAYED_HEADERS}
        idempotency.answer(
            conn, claimed.principal, claimed.key, status_code, _without_secret(body), replayed
        )
        claimed.answered = True

    return store_answer


def idempotent(view: F) -> F:
    """Put under the auth decorator (it needs ``g.principal``)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if not key:
            return view(*args, **kwargs)
        engine, principal = ctx().engine, g.principal
        earlier = idempotency.claim(engine, principal, key, fingerprint())
        if earlier is not None:
            if not earlier.same_request:
                abort(422, message=f"This {HEADER} was used with a different request body.")
            if earlier.status_code is None:
                abort(409, message=f"A request with this {HEADER} is still running; retry later.")
            return _replay(earlier)
        claimed = g.idempotency_claim = _Claim(principal, key)
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            # Only an unanswered claim goes: an answer that committed with the work stays.
            idempotency.release(engine, principal, key)
            raise
        if claimed.answered:
            return response
        if 200 <= response.status_code < 300 and response.is_json:
            headers = {h: response.headers[h] for h in REPLAYED_HEADERS if h in response.headers}
            body = _without_secret(response.get_json())
            idempotency.complete(engine, principal, key, response.status_code, body, headers)
        else:
            idempotency.release(engine, principal, key)
        return response

    return cast(F, wrapper)


def _without_secret(body: Any) -> Any:
    # A new API key's secret is shown once: a replay says so instead of storing it.
    if isinstance(body, dict) and "secret" in body:
        body = {**body, "secret": None}
    return body
