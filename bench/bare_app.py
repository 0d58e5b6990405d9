"""The baseline for the ingest benchmark: a bare Flask endpoint under the same
gunicorn settings, reading the same JSON and answering a body of the same size."""

from __future__ import annotations

import os

from flask import Flask, Response, request


def create_app() -> Flask:
    app = Flask("bare")
    size = int(os.environ.get("BARE_BODY_BYTES", "1500"))
    body = b'{"id":"' + b"x" * max(0, size - 10) + b'"}'

    @app.post("/v1/proposals")
    def create() -> Response:
        request.get_json()
        return Response(body, status=201, mimetype="application/json")

    return app
