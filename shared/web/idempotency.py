"""``Idempotency-Key`` on the creating POSTs: the one implementation (DESIGN: HTTP).

What a caller sees, for one caller and one key:

- First request: the key is claimed (the claim commits on its own, before the
  work), the work runs, and a 2xx JSON answer is stored with the key.
- A retry with the same method, path, query and body after that answer: the
  stored answer again (status, body, ``Location``), with
  ``Idempotent-Replayed: true``; nothing is done twice.
- A retry while the first request is still running: **409**, at once ("still
  running; retry later"). It never waits on the first and never does the work.
- The same key with another request (body, path or query): **422**.
- A first request that failed (an error, or any non-2xx answer) releases its
  key, so a retry may do the work; an answer stored with the work stays.

Keys are per caller (an agency, a reviewer, the secretariat), at most 200
characters. A view that opens its own transaction can store the answer in it
(``answer_within``): the work and its answer then commit together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, wraps
from typing import Any, TypeVar, cast

from flask import Response, current_app, g, make_response, request
from flask_smorest import abort
from marshmallow import Schema, fields, validate
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

F = TypeVar("F", bound=Callable[..., Any])
HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200


def idempotency_table(metadata: MetaData, name: str = "idempotency_keys") -> Table:
    """The keys a service has seen: claimed (``status_code`` NULL) or answered."""
    return Table(
        name,
        metadata,
        Column("principal", String(64), primary_key=True),
        Column("key", String(MAX_KEY_LENGTH), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("status_code", Integer, nullable=True),
        Column("body", JSON, nullable=True),
        Column("headers", JSON, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )


class IdempotencyHeaderSchema(Schema):
    """The header, for ``@blp.arguments(..., location="headers", as_kwargs=True)``."""

    idempotency_key = fields.String(
        data_key=HEADER,
        load_default=None,
        validate=validate.Length(min=1, max=MAX_KEY_LENGTH),
        metadata={
            "description": "Retry with the same key and body to get the same answer and "
            "nothing created twice; another body with the same key is a 422, a retry "
            "while the first request is still running a 409."
        },
    )


# -- the records ------------------------------------------------------------------


@dataclass(frozen=True)
class Earlier:
    """What an earlier request with the same key got (``status_code`` None: still running)."""

    status_code: int | None
    body: Any
    headers: dict[str, str]
    same_request: bool


@dataclass(frozen=True)
class _Statements:
    claim: Any
    find: Any
    answer: Any
    release: Any


@cache
def _statements(table: Table) -> _Statements:
    # Built once per table, run with parameters (the bind names differ from the columns).
    this_key = (table.c.principal == bindparam("_principal")) & (table.c.key == bindparam("_key"))
    return _Statements(
        claim=insert(table),
        find=select(table).where(this_key),
        answer=update(table).where(this_key),
        release=delete(table).where(this_key, table.c.status_code.is_(None)),
    )


def _this(principal: str, key: str) -> dict[str, Any]:
    return {"_principal": principal, "_key": key}


def claim(
    engine: Engine, table: Table, principal: str, key: str, fingerprint: str
) -> Earlier | None:
    """Claim the key for this request: None when claimed, else the earlier request's record.

    The claim commits on its own so that a concurrent retry sees it at once.
    """
    for _ in range(3):
        try:
            with engine.begin() as conn:
                conn.execute(
                    _statements(table).claim,
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
                row = conn.execute(_statements(table).find, _this(principal, key)).first()
            if row is not None:
                return Earlier(
                    row.status_code, row.body, row.headers or {}, row.request_hash == fingerprint
                )
            # released between our insert and this read: claim again
    return Earlier(None, None, {}, True)  # still contended: the caller answers 409


def answer(
    conn: Connection,
    table: Table,
    principal: str,
    key: str,
    status_code: int,
    body: Any,
    headers: dict[str, str],
) -> None:
    """Store the answer to a claimed key in ``conn``'s transaction (the work's own, ideally)."""
    conn.execute(
        _statements(table).answer,
        {**_this(principal, key), "status_code": status_code, "body": body, "headers": headers},
    )


def release(engine: Engine, table: Table, principal: str, key: str) -> None:
    """Forget an unanswered claim (the request failed), so that a retry may do the work."""
    with engine.begin() as conn:
        conn.execute(_statements(table).release, _this(principal, key))


# -- the HTTP side ------------------------------------------------------------------


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


@dataclass
class _Claim:
    principal: str
    key: str
    answered: bool = False


def _service_engine() -> Engine:
    engine: Engine = current_app.extensions["inagara"].engine
    return engine


def _as_is(body: Any) -> Any:
    return body


class Idempotency:
    """One service's ``Idempotency-Key`` rule, stored in ``table``.

    ``principal`` names the caller of the current request (keys are per caller);
    ``replayed_headers`` are stored and replayed with the body; ``scrub`` takes out
    of a stored body what a replay must not show (a secret shown once).
    """

    def __init__(
        self,
        table: Table,
        principal: Callable[[], str],
        *,
        engine: Callable[[], Engine] = _service_engine,
        replayed_headers: Iterable[str] = ("Location",),
        scrub: Callable[[Any], Any] = _as_is,
    ) -> None:
        self.table = table
        self._principal = principal
        self._engine = engine
        self._replayed_headers = tuple(replayed_headers)
        self._scrub = scrub

    def __call__(self, view: F) -> F:
        """Decorate a creating view (under the auth decorator that names the caller)."""

        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = request.headers.get(HEADER, "").strip()
            if not key:
                return view(*args, **kwargs)
            if len(key) > MAX_KEY_LENGTH:
                abort(422, errors={HEADER: [f"At most {MAX_KEY_LENGTH} characters."]})
            return self._once(key, view, args, kwargs)

        return cast(F, wrapper)

    def _once(self, key: str, view: Callable[..., Any], args: Any, kwargs: Any) -> Response:
        engine, principal = self._engine(), self._principal()
        earlier = claim(engine, self.table, principal, key, fingerprint())
        if earlier is not None:
            if not earlier.same_request:
                abort(
                    422,
                    message=f"This {HEADER} was used with a different request.",
                    code="idempotency.key_reused",
                )
            if earlier.status_code is None:
                abort(
                    409,
                    message=f"A request with this {HEADER} is still running; retry later.",
                    code="idempotency.in_progress",
                )
            return self._replay(earlier)
        claimed = g.idempotency_claim = _Claim(principal, key)
        try:
            response = make_response(view(*args, **kwargs))
        except BaseException:
            # Only an unanswered claim goes: an answer that committed with the work stays.
            release(engine, self.table, principal, key)
            raise
        if claimed.answered:
            return response
        if 200 <= response.status_code < 300 and response.is_json:
            headers = {
                h: response.headers[h] for h in self._replayed_headers if h in response.headers
            }
            with engine.begin() as conn:
                answer(
                    conn,
                    self.table,
                    principal,
                    key,
                    response.status_code,
                    self._scrub(response.get_json()),
                    headers,
                )
        else:
            release(engine, self.table, principal, key)
        return response

    def answer_within(
        self, status_code: int, headers: Callable[[dict[str, Any]], dict[str, str]]
    ) -> Callable[[Connection, dict[str, Any]], None] | None:
        """For a view under this decorator: store the answer in the work's own transaction.

        Give the result to the use case, which calls it with its connection and the
        body it answers before it commits; the decorator then has nothing left to
        store, and the work and its answer commit together. None when the request
        has no Idempotency-Key.
        """
        claimed: _Claim | None = g.get("idempotency_claim")
        if claimed is None:
            return None

        def store_answer(conn: Connection, body: dict[str, Any]) -> None:
            kept = {h: v for h, v in headers(body).items() if h in self._replayed_headers}
            answer(
                conn,
                self.table,
                claimed.principal,
                claimed.key,
                status_code,
                self._scrub(body),
                kept,
            )
            claimed.answered = True

        return store_answer

    @staticmethod
    def _replay(earlier: Earlier) -> Response:
        response = make_response(json.dumps(earlier.body), earlier.status_code)
        response.mimetype = "application/json"
        response.headers.update(earlier.headers)
        response.headers[REPLAYED] = "true"
        return response
