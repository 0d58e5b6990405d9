"""Request bodies: JSON under /v1/ unless a view takes a file, and sizes enforced for
chunked bodies as for any other."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import current_app, request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from shared.web.problems import PROBLEM_JSON, problem_body

# Deeper than any body of ours (a proposal is four levels deep); far below the depth at
# which parsing or walking a body would exhaust Python's stack (a RecursionError, a 500).
MAX_JSON_DEPTH = 32
# The largest number a query, path or body may give: PostgreSQL's INTEGER. Larger ones
# overflow a column or an OFFSET and came back as a 500; bound every numeric parameter.
LARGEST_INTEGER = 2**31 - 1

MULTIPART_FORM = "multipart/form-data"
_Viewfn = TypeVar("_Viewfn", bound=Callable[..., Any])


def accepts_multipart(view: _Viewfn) -> _Viewfn:
    """Let one view take ``multipart/form-data`` (a file upload) instead of JSON.

    Put it directly on the view function, under the route and argument
    decorators (they copy the mark onto their wrappers). Every other /v1/ body
    must still be JSON.
    """
    view.accepts_multipart = True  # type: ignore[attr-defined]
    return view


def _view_accepts_multipart() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "accepts_multipart", False))


def require_json_bodies() -> None:
    if request.routing_exception is not None:
        return  # no such route or method: the 404 or 405 says so, not a 415
    if request.method in {"POST", "PUT", "PATCH"} and request.path.startswith("/v1/"):
        # No body at all (curl -X POST .../submit) is fine; a body must be JSON.
        if (
            not request.content_length
            and not request.mimetype
            and not request.headers.get("Transfer-Encoding")
        ):
            return
        if request.mimetype == MULTIPART_FORM and _view_accepts_multipart():
            return
        if request.mimetype != "application/json":
            raise UnsupportedMediaType(
                f"Send the body as application/json (got {request.mimetype or 'no content type'})."
            )


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value (a scalar is 0)."""
    deepest, level = 0, [(value, 0)]
    while level:
        item, depth = level.pop()
        if isinstance(item, dict | list):
            depth += 1
            deepest = max(deepest, depth)
            level.extend((v, depth) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def refuse_deep_json() -> None:
    """A JSON body nested deeper than MAX_JSON_DEPTH is a 400, whoever sends it: parsing
    ``[[[[…`` 100,000 deep exhausts the stack (RecursionError), and a body only a little
    less deep would do so in whatever walks it next."""
    if not (
        request.is_json and (request.content_length or request.headers.get("Transfer-Encoding"))
    ):
        return
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        body = None
        too_deep = True
    else:
        too_deep = json_depth(body) > MAX_JSON_DEPTH
    if too_deep:
        raise BadRequest(f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep.")


class ChunkedBodyLimit:
    """WSGI middleware: a body sent without Content-Length (chunked) is read here, up to
    ``cap`` bytes, and passed on with its length, so that MAX_CONTENT_LENGTH and every
    route's own limit apply to it as to any other body; over ``cap`` it is a 413 here.

    Without it, werkzeug reads such a body (gunicorn marks it ``wsgi.input_terminated``)
    only up to MAX_CONTENT_LENGTH and silently stops there: an oversize JSON body became
    a 400, an oversize form a shortened one, instead of a 413.
    """

    SPOOL_BYTES = 1_048_576  # larger bodies wait in a temporary file, not in memory

    def __init__(self, app: Callable[..., Iterable[bytes]], cap: int) -> None:
        self.app = app
        self.cap = cap

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        # Chunked framing wins over any Content-Length (RFC 9112), for werkzeug too.
        if "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            return self.app(environ, start_response)
        body = tempfile.SpooledTemporaryFile(max_size=self.SPOOL_BYTES)  # noqa: SIM115
        stream, size = environ["wsgi.input"], 0
        while size <= self.cap:
            block = stream.read(min(65536, self.cap + 1 - size))
            if not block:
                break
            body.write(block)
            size += len(block)
        if size > self.cap:
            body.close()
            return self._too_large(start_response)
        body.seek(0)
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = body, str(size)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)

    def _too_large(self, start_response: Callable[..., Any]) -> list[bytes]:
        body = problem_body(
            413,
            "Request Entity Too Large",
            "The body is larger than any request to this service may be.",
            "request.too_large",
        )
        data = json.dumps(body).encode()
        start_response(
            "413 Request Entity Too Large",
            [
                ("Content-Type", PROBLEM_JSON),
                ("Content-Length", str(len(data))),
                ("Connection", "close"),  # the rest of the body was never read
            ],
        )
        return [data]
