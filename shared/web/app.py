"""The app factory: what every service's web process shares (health, readiness,
metrics, request logs' correlation, problem+json, body rules)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, g, jsonify, request
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from shared.platform.db import make_engine, ping
from shared.platform.logs import correlation_id
from shared.platform.metrics import LATENCY, REQUESTS, OutboxCollector, scrape
from shared.platform.migrations import DatabaseSchema, ensure_current
from shared.platform.settings import Settings
from shared.platform.text import without_bidi_controls
from shared.web.bodies import ChunkedBodyLimit, refuse_deep_json, require_json_bodies
from shared.web.problems import ProblemApi
from shared.web.responses import SECURITY_HEADERS


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
    largest_body_bytes: int = 0,
) -> tuple[Flask, ProblemApi]:
    """A Flask app with the rules every Inagara service follows (DESIGN: HTTP).

    A body is at most ``settings.max_body_bytes`` unless a route raises its own
    limit (an upload); ``largest_body_bytes`` is the largest any route accepts,
    which bounds a chunked body before a route is known.
    """
    app = Flask(service)
    _configure(app, settings, title, description)
    largest = max(settings.max_body_bytes, largest_body_bytes)
    app.wsgi_app = ChunkedBodyLimit(app.wsgi_app, largest)  # type: ignore[method-assign]
    api = ProblemApi(app)
    app.extensions["inagara_api"] = api
    app.before_request(require_json_bodies)
    app.before_request(refuse_deep_json)
    _observe_requests(app, service)
    _add_probes(app, service, engine, settings.kafka_bootstrap_servers, extra_checks, collectors)
    return app, api


def _configure(app: Flask, settings: Settings, title: str, description: str) -> None:
    """Body limit, the OpenAPI document's settings, JSON in the order it was built."""
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


def _observe_requests(app: Flask, service: str) -> None:
    """Each request: its correlation id in the logs, its latency and status counted,
    the security headers on its answer."""

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


def _add_probes(
    app: Flask,
    service: str,
    engine: Engine,
    bootstrap_servers: str,
    extra_checks: Mapping[str, Callable[[], bool]] | None,
    collectors: list[Collector] | None,
) -> None:
    """/healthz (the process answers), /readyz (its dependencies do), /metrics."""

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
            checks["broker"] = broker_reachable(bootstrap_servers)
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


@dataclass(frozen=True)
class ServiceContext:
    """What a view needs, kept in ``app.extensions["inagara"]``."""

    settings: Settings
    engine: Engine


def create_service_app(
    settings: Settings,
    schema: DatabaseSchema,
    blueprints: list[Any],
    *,
    title: str,
    description: str,
    largest_body_bytes: int = 0,
) -> Flask:
    """The composition root of a service's web process: engine, schema, blueprints.

    ``largest_body_bytes``: see ``create_base_app``.
    """
    engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    ensure_current(schema, engine, settings.database_url, settings.auto_migrate)
    outbox = schema.metadata.tables.get("outbox")
    app, api = create_base_app(
        settings.service,
        settings,
        engine,
        title=title,
        description=description,
        collectors=[OutboxCollector(settings.service, engine, outbox)]
        if outbox is not None
        else [],
        largest_body_bytes=largest_body_bytes,
    )
    app.extensions["inagara"] = ServiceContext(settings, engine)
    for blueprint in blueprints:
        api.register_blueprint(blueprint)
    return app
