"""Flask factory of the submission service: the composition root of its web process."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click
from flask import Flask
from sqlalchemy import Engine

from services.submission import store
from services.submission.adapters.blobs import BlobStore, blob_store
from services.submission.api import BLUEPRINTS, create_lane
from services.submission.api.auth import SubmissionContext, resolve
from services.submission.api.docs_page import serve_swagger_ui_locally
from services.submission.api.errors import register_error_handlers
from services.submission.api.evidence import MULTIPART_OVERHEAD
from services.submission.api.text_guard import refuse_nul_characters
from services.submission.config import SubmissionSettings
from services.submission.migrations import SCHEMA
from services.submission.store.cycle_records import configured_cycle
from services.submission.usecases.agencies import EnrolAgency, announce_agencies, enrol_agency
from services.submission.usecases.subjects import erased_since, reapply_erasures
from services.submission.usecases.work import SubmissionWork
from shared.platform import webhooks
from shared.platform.group_commit import GroupCommit
from shared.web import create_service_app, require_credentials_first

DESCRIPTION = """Agencies submit public-service innovation proposals and follow them to an award.

**Authentication.** Every call sends `Authorization: Bearer <secret>`: an agency API key
(`inag_…`, created by the secretariat or the agency's administrator) or, for the
secretariat's endpoints, the admin token. Each instance of the service remembers a key
it accepted for 2 seconds: a revoked key is refused at once by the instance that revoked
it and by every instance within 2 seconds (so are changes to an agency, such as
`allow_drafter_submit`). A new proposal's cycle window is checked against the cycles
as known at most 2 seconds before (a refusal always against the cycles as they are).

**Two tiers.** A `drafter` key saves and edits drafts and uploads evidence; an
`agency_admin` key submits, resubmits and withdraws (an agency may let drafters submit).

**A proposal's life.** draft → submitted → in_review → scored → shortlisted → awarded /
not_awarded, or rejected; the review service may ask for a revision (revision_requested:
edit, then submit again). Every edit is a new version. `allowed_actions` on a proposal
says what is possible now; an impossible action is a 409 listing them.

**Errors** are `application/problem+json` (RFC 9457); 422 lists each invalid field in
`errors`. Another agency's proposal is a 404, like an unknown one.

**Retries.** Every creating POST accepts `Idempotency-Key`: the same key and body give
the same answer and create nothing new.
"""


def group_commit(engine: Engine, settings: SubmissionSettings) -> GroupCommit:
    """The process's group commit, shaped for its database unless configured: PostgreSQL
    flushes concurrent commits together, so two transactions run at once there; SQLite
    has one writer at a time, so one. A leader waits for company only if configured
    (``GROUP_COMMIT_GATHER_MS``: measured, it did not pay; docs/PERFORMANCE.md)."""
    leaders = settings.group_commit_leaders or (1 if engine.dialect.name == "sqlite" else 2)
    gather_s = max(0.0, settings.group_commit_gather_ms) / 1000
    return GroupCommit(engine, gather_s=gather_s, leaders=leaders)


def create_app(settings: SubmissionSettings | None = None, blobs: BlobStore | None = None) -> Flask:
    settings = settings or SubmissionSettings.from_env("submission")
    webhooks.secret_key(settings)  # production without WEBHOOK_SECRET_KEY stops here
    app = create_service_app(
        settings,
        SCHEMA,
        BLUEPRINTS,
        title="Inagara submission API",
        description=DESCRIPTION,
        # The largest body a route takes: an evidence upload with its multipart framing.
        largest_body_bytes=settings.max_evidence_file_bytes + MULTIPART_OVERHEAD,
    )
    engine = app.extensions["inagara"].engine
    app.extensions["submission"] = SubmissionContext(
        settings,
        engine,
        blobs or blob_store(settings),
        configured_cycle(settings),
        group=group_commit(engine, settings),
    )
    register_error_handlers(app)
    require_credentials_first(app, lambda _secret: resolve() is not None)
    app.before_request(refuse_nul_characters)
    serve_swagger_ui_locally(app)
    create_lane.install(app)
    _register_commands(app, engine)
    return app


def _register_commands(app: Flask, engine: Engine) -> None:
    @app.cli.command("create-agency")
    @click.option("--code", required=True)
    @click.option("--name", required=True)
    @click.option("--type", "type_", default="dinas", show_default=True)
    @click.option("--email", default=None)
    @click.option("--phone", default=None)
    @click.option("--role", default="agency_admin", show_default=True)
    def create_agency(
        code: str, name: str, type_: str, email: str | None, phone: str | None, role: str
    ) -> None:
        """Register an agency (if new) and print a fresh API key for it."""
        command = EnrolAgency(code, name, type_, email, phone, role)
        agency, secret = enrol_agency(command, SubmissionWork(engine, store.outbox))
        click.echo(f"agency_id={agency.id}")
        click.echo(f"api_key={secret}")

    @app.cli.command("erased-subjects")
    @click.option("--since", required=True, help="ISO date or moment, e.g. 2026-11-01")
    def erased_subjects(since: str) -> None:
        """Print the ids of the subjects erased since a moment, one a line (they name
        nobody): keep them beside a backup, to erase them again after restoring it."""
        moment = datetime.fromisoformat(since)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        for subject_id in erased_since(moment, SubmissionWork(engine, store.outbox)):
            click.echo(subject_id)

    @app.cli.command("reapply-erasures")
    @click.argument("source", type=click.File("r"))
    def reapply(source: Any) -> None:
        """After restoring an older backup: erase again the subjects whose ids SOURCE lists
        (a file, or - for stdin, as ``erased-subjects`` printed them)."""
        ids = [line.strip() for line in source if line.strip()]
        erased = reapply_erasures(ids, SubmissionWork(engine, store.outbox))
        click.echo(f"erased_again={len(erased)} of {len(ids)}")

    @app.cli.command("announce-agencies")
    def announce() -> None:
        """Announce every agency again (agency.updated), e.g. to a review service that missed
        the announcements; the review service keeps the latest it has seen."""
        click.echo(f"announced={announce_agencies(SubmissionWork(engine, store.outbox))}")
