"""Every service's migrations bring an empty SQLite and PostgreSQL database to
exactly its models, and a service refuses a database that is not at head."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Column, Integer, MetaData, Table, text

from shared.platform import migrations
from shared.platform.db import create_schema, make_engine
from shared.platform.settings import Settings
from tools.services import SERVICES, Service, by_name


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_an_empty_database_upgrades_to_head_and_matches_the_models(
    service: Service, database_factory: Callable[[], str]
) -> None:
    url = database_factory()
    engine = make_engine(url)
    schema = service.schema
    try:
        with pytest.raises(
            migrations.SchemaNotCurrent, match=f"python -m services.{service.name}.migrations"
        ):
            migrations.require_current(schema, engine)
        migrations.upgrade(schema, url)
        assert migrations.current(engine) == migrations.head(schema)
        assert migrations.differences(schema, engine) == []
        migrations.require_current(schema, engine)
        migrations.upgrade(schema, url)  # a second run changes nothing
    finally:
        engine.dispose()


def test_a_service_from_the_environment_refuses_an_unmigrated_database(
    database_factory: Callable[[], str],
) -> None:
    from services.review.app import create_app

    url = database_factory()
    settings = Settings.from_env("review", {"DATABASE_URL": url})
    with pytest.raises(
        migrations.SchemaNotCurrent, match=r"run `python -m services\.review\.migrations`"
    ):
        create_app(settings)


def test_auto_migrate_adopts_a_database_made_from_the_models_but_not_an_outdated_one(
    database_factory: Callable[[], str],
) -> None:
    schema = by_name("notification").schema
    url = database_factory()
    engine = make_engine(url)
    try:
        create_schema(engine, schema.metadata)
        migrations.ensure_current(schema, engine, url, auto_migrate=True)
        assert migrations.current(engine) == migrations.head(schema)
    finally:
        engine.dispose()

    outdated_url = database_factory()
    outdated = make_engine(outdated_url)
    try:
        stale = MetaData()
        Table("deliveries", stale, Column("id", Integer, primary_key=True))
        create_schema(outdated, stale)
        with pytest.raises(migrations.SchemaNotCurrent, match="predates migrations"):
            migrations.ensure_current(schema, outdated, outdated_url, auto_migrate=True)
    finally:
        outdated.dispose()


def test_review_keys_answered_before_the_shared_idempotency_stay_answered(
    database_factory: Callable[[], str],
) -> None:
    # b163a3958ff3 put review_idempotency_keys on shared.web.idempotency's shape, where a
    # NULL status_code means "still running": the answers stored before must stay replayable.
    schema = by_name("review").schema
    url = database_factory()
    engine = make_engine(url)
    insert = text(
        "INSERT INTO review_idempotency_keys (principal, key, request_hash, body, created_at) "
        "VALUES ('admin', :key, 'h', :body, :at)"
    )
    try:
        command.upgrade(migrations.config(schema, url), "5b1c0e7a9d42")
        with engine.begin() as conn:
            conn.execute(
                insert, {"key": "answered", "body": '{"id": "c-1"}', "at": datetime.now(UTC)}
            )
        migrations.upgrade(schema, url)
        with engine.begin() as conn:
            row = conn.execute(
                text("SELECT status_code, headers FROM review_idempotency_keys")
            ).one()
            conn.execute(insert, {"key": "running", "body": None, "at": datetime.now(UTC)})
        headers = json.loads(row.headers) if isinstance(row.headers, str) else row.headers
        assert (row.status_code, headers) == (201, {})

        # Back down, an unanswered claim has no answer to keep; the answered key stays.
        command.downgrade(migrations.config(schema, url), "5b1c0e7a9d42")
        with engine.connect() as conn:
            kept = conn.execute(text("SELECT key FROM review_idempotency_keys")).scalars().all()
        assert kept == ["answered"]
    finally:
        engine.dispose()


# -- rollback: a release runs on the next release's database when it only expanded it ---------

EXPAND = '''"""the next release: a nullable note on proposals (expand)"""
import sqlalchemy as sa
from alembic import op

revision = "e0e0e0e0e0e0"
down_revision = {down!r}
branch_labels = None
depends_on = None
backward_compatible: bool = True


def upgrade() -> None:
    with op.batch_alter_table("proposals") as batch_op:
        batch_op.add_column(sa.Column("note", sa.String(200), nullable=True))


def downgrade() -> None:
    # Not a batch: SQLite would recreate proposals, which other tables reference.
    op.execute("ALTER TABLE proposals DROP COLUMN note")
'''

CONTRACT = '''"""the release after: proposals.title renamed (contract)"""
from alembic import op

revision = "c0c0c0c0c0c0"
down_revision = "e0e0e0e0e0e0"
branch_labels = None
depends_on = None
backward_compatible: bool = False


def upgrade() -> None:
    op.execute("ALTER TABLE proposals RENAME COLUMN title TO judul")


def downgrade() -> None:
    op.execute("ALTER TABLE proposals RENAME COLUMN judul TO title")
'''


def _later_release(tmp_path: Path, name: str, *revisions: str) -> migrations.DatabaseSchema:
    """The submission migrations of a later release: today's, plus ``revisions``."""
    released = by_name("submission").schema
    folder = tmp_path / name
    shutil.copytree(released.migrations, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for i, source in enumerate(revisions):
        down = migrations.head(released)
        (folder / "versions" / f"later_{i}.py").write_text(source.format(down=down))
    return migrations.DatabaseSchema("submission", released.metadata, folder)


def _post_a_proposal(url: str, tmp_path: Path) -> int:
    """This release's submission app on the database: an agency, a key, a proposal."""
    from deploy.local.stack import DEMO_PROPOSAL
    from services.submission.app import create_app
    from services.submission.config import SubmissionSettings

    settings = SubmissionSettings(
        service="submission",
        database_url=url,
        admin_token="admin-token-for-tests",
        evidence_dir=str(tmp_path / "evidence"),
        auto_migrate=False,
    )
    app = create_app(settings)
    try:
        client = app.test_client()
        admin = {"Authorization": "Bearer admin-token-for-tests"}
        agency = client.post(
            "/v1/agencies",
            headers=admin,
            json={"code": f"AG{uuid.uuid4().hex[:8]}", "name": "Dinas Uji", "type": "dinas"},
        )
        assert agency.status_code == 201, agency.get_json()
        key = client.post(
            f"/v1/agencies/{agency.get_json()['id']}/keys",
            headers=admin,
            json={"role": "agency_admin"},
        )
        portal = {"Authorization": f"Bearer {key.get_json()['secret']}"}
        posted = client.post("/v1/proposals", headers=portal, json=DEMO_PROPOSAL)
        assert posted.status_code == 201, posted.get_json()
        read = client.get(f"/v1/proposals/{posted.get_json()['id']}", headers=portal)
        assert read.status_code == 200
        return int(posted.status_code)
    finally:
        app.extensions["inagara"].engine.dispose()


def test_a_release_keeps_working_on_the_next_releases_expanded_database_and_rolls_back(
    database_factory: Callable[[], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    released = by_name("submission").schema
    url = database_factory()
    engine = make_engine(url)
    try:
        # The next release migrates (expand only); this release, rolled back to, still runs.
        migrations.upgrade(_later_release(tmp_path, "next", EXPAND), url)
        assert migrations.current(engine) == "e0e0e0e0e0e0"
        # Also every earlier revision reached through backward-compatible steps only.
        assert {"e0e0e0e0e0e0", migrations.head(released)} <= migrations.accepted_heads(engine)
        migrations.require_current(released, engine)
        migrations.ensure_current(released, engine, url, auto_migrate=True)  # no upgrade tried
        assert _post_a_proposal(url, tmp_path) == 201

        # The release after contracts: this release is refused, with the way back.
        after = _later_release(tmp_path, "after", EXPAND, CONTRACT)
        migrations.upgrade(after, url)
        with pytest.raises(
            migrations.SchemaNotCurrent, match=f"--downgrade-to {migrations.head(released)}"
        ):
            migrations.require_current(released, engine)
        monkeypatch.setenv("DATABASE_URL", url)
        assert migrations.main(released, ["--wait", "0.2"]) == 1

        # Rolled back by the later release's own downgrade: this release runs again.
        assert migrations.main(after, ["--downgrade-to", migrations.head(released)]) == 0
        assert migrations.current(engine) == migrations.head(released)
        assert migrations.main(released, ["--wait", "0.2"]) == 0
        assert _post_a_proposal(url, tmp_path) == 201
        assert migrations.differences(released, engine) == []
    finally:
        engine.dispose()


def test_every_revision_says_whether_the_release_before_runs_on_it() -> None:
    for service in SERVICES:
        for path in sorted((service.schema.migrations / "versions").glob("*.py")):
            source = path.read_text()
            assert re.search(r"^backward_compatible: bool = (True|False)$", source, re.M), (
                f"{path}: declare `backward_compatible: bool = True|False` "
                "(shared/platform/migrations.py)"
            )
