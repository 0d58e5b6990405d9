"""The services run behind PgBouncer in transaction pooling (docs/OPERATE.md, "Connections").

A client holds a server connection for one transaction only; the next may run on another,
and another client may be handed this one. So nothing may outlive a transaction on the
server: the relay's lock is transaction-level, migrations lock inside their one
transaction, and psycopg prepares no statement on the server. Each test runs through a
PgBouncer with fewer server connections than clients (tests/pgbouncer.py); PostgreSQL only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import MetaData, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from shared.events.outbox import outbox_table
from shared.platform import migrations
from shared.platform.db import create_schema, make_engine, normalise_url
from tests.integration.test_relay_order import relay_and_check_order
from tests.pgbouncer import pgbouncer
from tools.services import SERVICES, Service

POSTGRESQL_ONLY = pytest.mark.parametrize("database_factory", ["postgresql"], indirect=True)
SERVER_CONNECTIONS = 2


@pytest.fixture
def direct_url(database_factory: Callable[[], str]) -> str:
    return database_factory()


@pytest.fixture
def bounced_url(direct_url: str) -> Iterator[str]:
    with pgbouncer(direct_url, pool_size=SERVER_CONNECTIONS) as url:
        yield url


def _server_connections(direct_url: str) -> int:
    """Connections PostgreSQL has open to this test's database, less the one asking."""
    name = make_url(direct_url).database
    engine = create_engine(normalise_url(direct_url))
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) - 1 FROM pg_stat_activity WHERE datname = :name"),
                    {"name": name},
                ).scalar_one()
            )
    finally:
        engine.dispose()


@POSTGRESQL_ONLY
def test_several_relays_keep_each_subjects_order_through_pgbouncer(
    direct_url: str, bounced_url: str, kafka_bootstrap: str, topic: str
) -> None:
    metadata = MetaData()
    outbox = outbox_table(metadata)
    # More clients (4 relays, 3 writers, the drain check) than PgBouncer's 2 server connections.
    engine = make_engine(bounced_url, pool_size=8, max_overflow=0)
    try:
        create_schema(engine, metadata)
        relay_and_check_order(engine, outbox, kafka_bootstrap, topic)
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(outbox)).scalar_one() > 0
        assert engine.pool.checkedin() > SERVER_CONNECTIONS  # type: ignore[attr-defined]
        assert _server_connections(direct_url) <= SERVER_CONNECTIONS
    finally:
        engine.dispose()


@POSTGRESQL_ONLY
@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_two_migration_runs_at_once_through_pgbouncer_reach_head_once(
    service: Service, direct_url: str, bounced_url: str
) -> None:
    """The migration lock is transaction-level: two runs behind the pooler serialize on it.

    Two processes, as two migration Jobs (or auto-migrating pods) of one release would be.
    """
    env = {**os.environ, "DATABASE_URL": bounced_url, "INAGARA_ENVIRONMENT": "development"}
    command = [sys.executable, "-m", f"services.{service.name}.migrations"]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=180)[0].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    engine = make_engine(direct_url)
    try:
        assert migrations.current(engine) == migrations.head(service.schema)
        assert migrations.differences(service.schema, engine) == []
    finally:
        engine.dispose()


def _same_statement_from_two_clients(engine_of: Callable[[], object]) -> None:
    """Two clients run one statement repeatedly; behind one server connection they share it."""
    engines = [engine_of(), engine_of()]
    try:
        for _ in range(3):
            for engine in engines:
                with engine.begin() as conn:  # type: ignore[attr-defined]
                    conn.execute(text("SELECT 1 + :n"), {"n": 1}).scalar_one()
    finally:
        for engine in engines:
            engine.dispose()  # type: ignore[attr-defined]


@POSTGRESQL_ONLY
def test_no_statement_is_prepared_on_a_server_connection_other_clients_share(
    direct_url: str,
) -> None:
    with pgbouncer(direct_url, pool_size=1) as url:
        # The engine every service builds: passes.
        _same_statement_from_two_clients(lambda: make_engine(url, pool_size=1, max_overflow=0))
        # A client that prepares on the server (prepare_threshold=0; with a ping per checkout
        # as SQLAlchemy's pool_pre_ping sends, so that both clients' statements get the same
        # names in the same order) meets the other client's statement of the same name on the
        # shared server connection: the failure the engine's setting prevents.
        with pytest.raises(DBAPIError, match="prepared statement"):
            _same_statement_from_two_clients(
                lambda: make_engine(
                    url,
                    pool_size=1,
                    max_overflow=0,
                    connect_args={"connect_timeout": 5, "prepare_threshold": 0},
                    pool_pre_ping=True,
                )
            )
