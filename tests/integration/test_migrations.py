"""Every service's migrations bring an empty SQLite and PostgreSQL database to
exactly its models, and a service refuses a database that is not at head."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Column, Integer, MetaData, Table

from shared.platform import migrations
from shared.platform.db import create_schema, make_engine
from shared.settings import Settings
from tools.services import NAMES as SERVICES


@pytest.mark.parametrize("service", SERVICES)
def test_an_empty_database_upgrades_to_head_and_matches_the_models(
    service: str, database_factory: Callable[[], str]
) -> None:
    url = database_factory()
    engine = make_engine(url)
    try:
        with pytest.raises(migrations.SchemaNotCurrent, match=f"python -m tools.migrate {service}"):
            migrations.require_current(service, engine)
        migrations.upgrade(service, url)
        assert migrations.current(engine) == migrations.head(service)
        assert migrations.differences(service, engine) == []
        migrations.require_current(service, engine)
        migrations.upgrade(service, url)  # a second run changes nothing
    finally:
        engine.dispose()


def test_a_service_from_the_environment_refuses_an_unmigrated_database(
    database_factory: Callable[[], str],
) -> None:
    from services.review.app import create_app

    url = database_factory()
    settings = Settings.from_env("review", {"DATABASE_URL": url})
    with pytest.raises(
        migrations.SchemaNotCurrent, match=r"run `python -m tools\.migrate review`"
    ):
        create_app(settings)


def test_auto_migrate_adopts_a_database_made_from_the_models_but_not_an_outdated_one(
    database_factory: Callable[[], str],
) -> None:
    url = database_factory()
    engine = make_engine(url)
    try:
        create_schema(engine, migrations.metadata_of("notification"))
        migrations.ensure_current("notification", engine, url, auto_migrate=True)
        assert migrations.current(engine) == migrations.head("notification")
    finally:
        engine.dispose()

    outdated_url = database_factory()
    outdated = make_engine(outdated_url)
    try:
        stale = MetaData()
        Table("deliveries", stale, Column("id", Integer, primary_key=True))
        create_schema(outdated, stale)
        with pytest.raises(migrations.SchemaNotCurrent, match="predates migrations"):
            migrations.ensure_current("notification", outdated, outdated_url, auto_migrate=True)
    finally:
        outdated.dispose()
