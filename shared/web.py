"""What every service's web process shares: problem+json errors, body and
content-type rules, bearer credentials, health, readiness and metrics."""

from __future__ import annotations

import hmac
import json
import re
import socket
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

from flask import Flask, Response, current_app, g, jsonify, request
from flask_smorest import Api
from marshmallow import Schema, fields
from prometheus_client import Counter, Histogram
from prometheus_client.registry import Collector
from sqlalchemy import Engine, MetaData
from werkzeug.exceptions import BadRequest, HTTPException, Unauthorized, UnsupportedMediaType

from shared.db import make_engine, ping
from shared.logs import correlation_id
from shared.metrics import OutboxCollector, scrape
from shared.migrations import ensure_current
from shared.settings import Settings
from shared.text import without_bidi_controls

PROBLEM_JSON = "application/problem+json"
# Deeper than any body of ours (a proposal is four levels deep); far below the depth at
# which parsing or walking a body would exhaust Python's stack (a RecursionError, a 500).
MAX_JSON_DEPTH = 32
# The largest number a query, path or body may give: PostgreSQL's INTEGER. Larger ones
# overflow a column or an OFFSET and came back as a 500; bound every numeric parameter.
LARGEST_INTEGER = 2**31 - 1
# Every answer: never in a frame (clickjacking), no Referer to other sites, no sniffing.
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

REQUESTS = Counter(
    "inagara_http_requests_total",
    "HTTP requests by route and status",
    ["service", "method", "route", "status"],
)
LATENCY = Histogram(
    "inagara_http_request_duration_seconds",
    "HTTP request latency by route",
    ["service", "method", "route"],
)


class ProblemSchema(Schema):
    """RFC 9457 problem details, with field-level messages for 400 and 422."""

    type = fields.String(metadata={"description": "A URI naming the kind of problem"})
    title = fields.String(metadata={"description": "Short summary of the kind of problem"})
    status = fields.Integer(metadata={"description": "The HTTP status code"})
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
    status: int, title: str, detail: str = "", errors: dict[str, list[str]] | None = None
) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
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
        messages = data.get("errors") or data.get("messages")
        errors = None
        if messages:
            # webargs nests messages under the location ("json", "query", ...).
            if isinstance(messages, Mapping) and len(messages) == 1:
                ((location, inner),) = messages.items()
                if location in {"json", "query", "headers", "form", "files", "path"}:
                    messages = inner
            errors = flatten_errors(messages)
        status = error.code or 500
        detail = data.get("message") or (error.description if status < 500 else "")
        if status == 422 and not data.get("message"):
            detail = "Some fields are missing or invalid; see errors."
        if status == 400 and errors and "_body" in errors and not data.get("message"):
            detail = "; ".join(errors.pop("_body")) or detail
        response = problem(status, error.name, str(detail or ""), errors)
        # What the exception itself says in headers: Allow on a 405, Retry-After, ...
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if error.code == 401:
            response.headers.setdefault("WWW-Authenticate", "Bearer")
        return response


def attachment(filename: str) -> str:
    """A ``Content-Disposition`` for a download named ``filename``, whatever its script:
    an ASCII ``filename`` for old clients and ``filename*=UTF-8''…`` (RFC 6266, RFC 8187)
    for the real name. HTTP headers are Latin-1 at most: ``報告.pdf`` put there as is
    cannot be sent at all (a 500)."""
    folded = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = "".join(c if c.isprintable() and c not in '"\\;' else "_" for c in folded)
    stem, dot, extension = fallback.strip().rpartition(".")
    if not (stem if dot else extension).strip(" ._"):
        fallback = f"download.{extension}" if dot and extension else "download"
    if fallback == filename:
        token = re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", filename)
        return f"attachment; filename={filename}" if token else f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def bearer_token() -> str | None:
    """The secret in ``Authorization: Bearer <secret>``, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def is_admin(settings: Settings, token: str | None) -> bool:
    return bool(settings.admin_token and token) and hmac.compare_digest(
        settings.admin_token.encode(), (token or "").encode()
    )


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


def _require_json_bodies() -> None:
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


def _refuse_deep_json() -> None:
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


_RULE_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


class CredentialsFirst:
    """Checks the bearer credential of every operation the OpenAPI document secures
    before anything else of the request is looked at: a caller without a valid credential
    gets a 401, never a 422 that tells them what a valid body looks like.

    ``authenticate(secret)`` is the service's own check (an API key, an account's token,
    the admin token); the view still decides what the credential may do (403, 404).
    """

    def __init__(self, api: ProblemApi, authenticate: Callable[[str | None], bool]) -> None:
        self._api = api
        self._authenticate = authenticate
        self._secured: set[tuple[str, str]] | None = None

    def _secured_operations(self) -> set[tuple[str, str]]:
        if self._secured is None:
            secured = set()
            for path, operations in self._api.spec.to_dict().get("paths", {}).items():
                for method, operation in operations.items():
                    if isinstance(operation, dict) and operation.get("security"):
                        secured.add((path, method.upper()))
            self._secured = secured
        return self._secured

    def __call__(self) -> None:
        if request.url_rule is None:
            return
        path = _RULE_VARIABLE.sub(r"{\1}", request.url_rule.rule)
        method = "GET" if request.method == "HEAD" else request.method
        if (path, method) in self._secured_operations() and not self._authenticate(bearer_token()):
            raise Unauthorized("Send a valid credential as `Authorization: Bearer <secret>`.")


def require_credentials_first(app: Flask, authenticate: Callable[[str | None], bool]) -> None:
    """Install ``CredentialsFirst`` as the app's first before-request function."""
    check = CredentialsFirst(app.extensions["inagara_api"], authenticate)
    app.before_request_funcs.setdefault(None, []).insert(0, check)


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
        problem_body = {
            "type": "about:blank",
            "title": "Request Entity Too Large",
            "status": 413,
            "detail": "The body is larger than any request to this service may be.",
        }
        data = json.dumps(problem_body).encode()
        start_response(
            "413 Request Entity Too Large",
            [
                ("Content-Type", PROBLEM_JSON),
                ("Content-Length", str(len(data))),
                ("Connection", "close"),  # the rest of the body was never read
            ],
        )
        return [data]


def broker_reachable(bootstrap_servers: str, timeout_s: float = 1.0) -> bool:
    for server in bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout_s).close()
            return True
        except (OSError, ValueError):
            continue
    return False


def create_base_app(
    service: str,
    settings: Settings,
    engine: Engine,
    *,
    title: str,
    description: str,
    extra_checks: Mapping[str, Callable[[], bool]] | None = None,
    collectors: list[Collector] | None = None,
) -> tuple[Flask, ProblemApi]:
    """A Flask app with the rules every Inagara service follows (DESIGN: HTTP)."""
    app = Flask(service)
    # Pages show no bidi controls: "…\u202egnp.exe" must not read as "…exe.png".
    app.jinja_options = {**app.jinja_options, "finalize": without_bidi_controls}
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        API_TITLE=title,
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/",
        API_SPEC_OPTIONS={
            "info": {"description": description},
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        },
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # The largest body any route accepts: an evidence upload with its multipart framing.
    largest = max(settings.max_body_bytes, settings.max_evidence_file_bytes + 65536)
    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, largest)  # type: ignore[method-assign]
    api = ProblemApi(app)
    app.extensions["inagara_api"] = api
    app.before_request(_require_json_bodies)
    app.before_request(_refuse_deep_json)

    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()
        # Follow the proposal's path in the logs: the caller's id, or the proposal in the URL.
        given = request.headers.get("X-Correlation-Id", "")[:64]
        g.correlation = correlation_id.set(
            given or (request.view_args or {}).get("proposal_id", "")
        )

    @app.teardown_request
    def _forget_correlation(_exc: BaseException | None) -> None:
        if "correlation" in g:
            correlation_id.reset(g.correlation)

    @app.after_request
    def _observe(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "unmatched"
        LATENCY.labels(service, request.method, route).observe(
            time.perf_counter() - g.get("started", time.perf_counter())
        )
        REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok", service=service)

    @app.get("/readyz")
    def readyz() -> tuple[Response, int]:
        """Database and broker reachable. ``?only=database`` leaves the broker out: a
        load balancer's readiness probe must not pull web pods that can still take
        requests (the outbox holds their events while the broker is away)."""
        checks: dict[str, bool] = {}
        try:
            ping(engine)
            checks["database"] = True
        except Exception:
            checks["database"] = False
        only = request.args.get("only")
        if only != "database":
            checks["broker"] = broker_reachable(settings.kafka_bootstrap_servers)
            for name, check in (extra_checks or {}).items():
                checks[name] = check()
        ready = all(checks.values())
        return jsonify(
            status="ready" if ready else "not ready", checks=checks
        ), 200 if ready else 503

    @app.get("/metrics")
    def metrics() -> Response:
        body, content_type = scrape(collectors or [])
        return Response(body, content_type=content_type)

    return app, api


@dataclass(frozen=True)
class ServiceContext:
    """What a view needs, kept in ``app.extensions["inagara"]``."""

    settings: Settings
    engine: Engine


def create_service_app(
    settings: Settings,
    metadata: MetaData,
    blueprints: list[Any],
    *,
    title: str,
    description: str,
) -> Flask:
    """The composition root of a service's web process: engine, schema, blueprints."""
    engine = make_engine(settings.database_url)
    ensure_current(settings.service, engine, settings.database_url, settings.auto_migrate)
    outbox = metadata.tables.get("outbox")
    app, api = create_base_app(
        settings.service,
        settings,
        engine,
        title=title,
        description=description,
        collectors=[OutboxCollector(settings.service, engine, outbox)]
        if outbox is not None
        else [],
    )
    app.extensions["inagara"] = ServiceContext(settings, engine)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    return app
