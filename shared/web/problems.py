"""Errors as RFC 9457 ``application/problem+json``, with field-level messages for 400/422.

``title`` and ``detail`` are English (portals are programs); every problem also carries a
stable ``code`` from ``CODES``, which a portal can translate for its people. A refusal
names its own code (``abort(404, message=..., code="proposal.not_found")``,
``problem(..., code=...)``); otherwise the status's general code applies
(``STATUS_CODES``). The OpenAPI documents list the codes as the ``code`` field's enum.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify
from flask_smorest import Api
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import HTTPException

from shared.platform.problem_codes import CODES, STATUS_CODES, code_for, problem_body

__all__ = [
    "CODES",
    "PROBLEM_JSON",
    "STATUS_CODES",
    "ProblemApi",
    "ProblemSchema",
    "code_for",
    "flatten_errors",
    "problem",
    "problem_body",
]

PROBLEM_JSON = "application/problem+json"


class ProblemSchema(Schema):
    """RFC 9457 problem details, with field-level messages for 400 and 422."""

    type = fields.String(metadata={"description": "A URI naming the kind of problem"})
    title = fields.String(metadata={"description": "Short summary of the kind of problem"})
    status = fields.Integer(metadata={"description": "The HTTP status code"})
    code = fields.String(
        required=True,
        validate=validate.OneOf(sorted(CODES)),
        metadata={
            "description": "What kind of problem, stable across releases, for a portal to "
            "translate: "
            + "; ".join(f"`{code}`: {meaning}" for code, meaning in sorted(CODES.items()))
        },
    )
    detail = fields.String(metadata={"description": "What went wrong this time"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Messages per field path, such as `innovators.0.phone`"},
    )


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into ``{"a.0.b": ["..."]}``."""
    if isinstance(messages, Mapping):
        out: dict[str, list[str]] = {}
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_errors(value, path))
        return out
    if isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        return {prefix or "_body": list(messages)}
    return {prefix or "_body": [str(messages)]}


def problem(
    status: int,
    title: str,
    detail: str = "",
    errors: dict[str, list[str]] | None = None,
    code: str | None = None,
    **extra: Any,
) -> Response:
    body = problem_body(status, title, detail, code) | extra
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


class ProblemApi(Api):  # type: ignore[misc]
    """flask-smorest's Api, answering every error as ``application/problem+json``."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        # The error responses flask-smorest documents on its own (the "default" of every
        # operation, the 422 of @arguments) are answered by handle_http_exception below,
        # so document them as problem+json, not JSON: schema-driven clients check this.
        self.DEFAULT_RESPONSE_CONTENT_TYPE = PROBLEM_JSON
        try:
            super()._register_responses()
        finally:
            del self.DEFAULT_RESPONSE_CONTENT_TYPE

    def handle_http_exception(self, error: HTTPException) -> Response:
        data = getattr(error, "data", None) or {}
        status = error.code or 500
        errors = _field_errors(data)
        detail = _detail(status, data, errors, error.description)
        response = problem(status, error.name, detail, errors, data.get("code"))
        # What the exception itself says in headers: Allow on a 405, Retry-After, ...
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if status == 401:
            response.headers.setdefault("WWW-Authenticate", "Bearer")
        return response


_LOCATIONS = {"json", "query", "headers", "form", "files", "multipart", "path"}


def _field_errors(data: Mapping[str, Any]) -> dict[str, list[str]] | None:
    """The messages per field path, without webargs' location level ("json", "query", ...)."""
    messages = data.get("errors") or data.get("messages")
    if not messages:
        return None
    if isinstance(messages, Mapping) and len(messages) == 1:
        ((location, inner),) = messages.items()
        if location in _LOCATIONS:
            messages = inner
    return flatten_errors(messages)


def _detail(
    status: int,
    data: Mapping[str, Any],
    errors: dict[str, list[str]] | None,
    description: str | None,
) -> str:
    """What went wrong this time; a 400's body-level messages become the detail."""
    if data.get("message"):
        return str(data["message"])
    if status == 422:
        return "Some fields are missing or invalid; see errors."
    if status == 400 and errors and "_body" in errors:
        return "; ".join(errors.pop("_body")) or str(description or "")
    return str(description or "") if status < 500 else ""
