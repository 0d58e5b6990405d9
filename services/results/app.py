"""Flask factory of the results service: the public pages and the JSON feed, read-only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask

from services.results.api import blp, pages_bp
from services.results.config import ResultsConfig, ResultsSettings
from services.results.migrations import SCHEMA
from shared.web import create_service_app


def create_app(
    settings: ResultsSettings | None = None,
    config: ResultsConfig | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Flask:
    settings = settings or ResultsSettings.from_env("results")
    app = create_service_app(
        settings,
        SCHEMA,
        [blp],
        title="Inagara results API",
        description="The public record of each cycle: its published shortlist and awards per "
        "category, and a catalogue of awarded innovations. No credentials; the pages (Bahasa "
        "Indonesia first) are /, /siklus/<cycle_id> and /katalog.",
    )
    app.extensions["results"] = config or ResultsConfig.from_env()
    if clock is not None:
        app.extensions["results_clock"] = clock  # tests: the objection window closing
    app.register_blueprint(pages_bp)
    return app
