"""Flask factory of the submission service."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import Engine

from services.submission import store
from services.submission.api import blp
from shared.settings import Settings
from shared.web import create_service_app


def create_app(settings: Settings | None = None) -> Flask:
    app = create_service_app(
        settings or Settings.from_env("submission"),
        store.metadata,
        [blp],
        title="Inagara submission API",
        description="Agencies submit public-service innovation proposals and follow them to an award.",
    )
    _register_commands(app, app.extensions["inagara"].engine)
    return app


def _register_commands(app: Flask, engine: Engine) -> None:
    @app.cli.command("create-agency")
    @click.option("--code", required=True)
    @click.option("--name", required=True)
    @click.option("--type", "type_", default="dinas", show_default=True)
    @click.option("--email", default=None)
    @click.option("--phone", default=None)
    def create_agency(
        code: str, name: str, type_: str, email: str | None, phone: str | None
    ) -> None:
        """Register an agency (if new) and print a fresh API key for it."""
        with engine.begin() as conn:
            agency = store.find_agency_by_code(conn, code) or store.create_agency(
                conn, code, name, type_, email, phone
            )
            key = store.add_api_key(conn, agency.id)
        click.echo(f"agency_id={agency.id}")
        click.echo(f"api_key={key.secret}")
