"""Every service's migrations bring an empty SQLite and PostgreSQL database to
exactly its models, and a service refuses a database that is not at head."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

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
