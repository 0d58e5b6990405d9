"""Session-wide test infrastructure: one real broker, fresh databases per test.

- The broker: ``KAFKA_BOOTSTRAP_SERVERS`` when set; otherwise the one
  ``INAGARA_TEST_BROKER`` selects (tests/brokers.py): ``tansu`` (default, the
  bundled local broker), ``kafka`` (one Apache Kafka node), ``kafka-cluster``
  (three), ``testcontainers`` (Apache Kafka in Docker), started once per session.
- Databases: every test that asks for ``database_url`` runs on SQLite, and
  again on PostgreSQL when ``TEST_DATABASE_URL`` names a server (each run gets
  a database of its own, dropped afterwards); a test that starts whole stacks runs
  on PostgreSQL alone then, unless marked ``both_databases``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared.events.catalog import ALL_TOPICS
from shared.events.topics import ensure_topics
from shared.platform import migrations
from shared.platform.db import normalise_url
from tests import brokers
from tests.brokers import Broker
from tests.schema_snapshots import SchemaSnapshots

# The three-node cluster tier (tests/cluster) starts three JVMs and runs minutes of
# faults: collected only when selected, as `make test-cluster` does.
collect_ignore = [] if os.environ.get("INAGARA_TEST_BROKER") == "kafka-cluster" else ["cluster"]
# The releases tier (tests/releases) builds the last releases into .venv-releases/ and runs
# them beside the current code: collected only when selected, as `make test-releases` does.
if os.environ.get("INAGARA_TEST_RELEASES") != "1":
    collect_ignore.append("releases")


def _docker_engine_answers() -> bool:
    if not shutil.which("docker"):
        return False
    result = subprocess.run(["docker", "info"], capture_output=True, timeout=10, check=False)
    return result.returncode == 0


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap servers of a real Kafka-protocol broker with the system's topics."""
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if configured:
        ensure_topics(configured, ALL_TOPICS)
        yield configured
        return
    choice = brokers.selected()
    if choice == "testcontainers":
        if not _docker_engine_answers():
            pytest.fail(
                "INAGARA_TEST_BROKER=testcontainers, but no Docker engine answers `docker info`"
            )
        from testcontainers.community.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as kafka:
            servers = kafka.get_bootstrap_server()
            ensure_topics(servers, ALL_TOPICS)
            yield servers
        return
    broker = brokers.start_broker(tmp_path_factory.mktemp("broker"), choice)
    try:
        ensure_topics(broker.bootstrap_servers, ALL_TOPICS)
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[Broker]:
    """A broker of one test's own: one to freeze, one whose dead-letter topic holds
    only this test's records, one to fill with thousands of events that the tests
    reading the shared topics from the beginning should not have to wade through, or
    one that holds no other test's events."""
    broker = brokers.start_broker(tmp_path)  # the kind INAGARA_TEST_BROKER selects
    try:
        ensure_topics(broker.bootstrap_servers, ALL_TOPICS)
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def topic(kafka_bootstrap: str) -> str:
    """A fresh topic (and its dead-letter topic) for one test."""
    name = f"test.{uuid.uuid4().hex[:12]}"
    ensure_topics(kafka_bootstrap, [name, f"{name}.dlq"], partitions=3)
    return name


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


DatabaseFactory = Callable[[], str]


@pytest.fixture(params=_backends())
def database_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DatabaseFactory]:
    """Makes fresh, empty databases on the backend of this run; drops them after the test."""
    created: list[str] = []
    server = os.environ.get("TEST_DATABASE_URL", "")
    admin = (
        create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
        if request.param == "postgresql"
        else None
    )

    def make() -> str:
        name = f"inagara_test_{uuid.uuid4().hex[:12]}"
        if admin is None:
            return f"sqlite:///{tmp_path / name}.db"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return (
            make_url(normalise_url(server)).set(database=name).render_as_string(hide_password=False)
        )

    yield make
    if admin is not None:
        with admin.connect() as conn:
            for name in created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database_url(database_factory: DatabaseFactory) -> str:
    return database_factory()


def _runs_here(item: pytest.Item) -> bool:
    """Whether ``item`` belongs to this run (see pytest_collection_modifyitems)."""
    broker_facing = (
        "integration" not in item.path.parts
        or "kafka_bootstrap" in getattr(item, "fixturenames", ())
        or item.get_closest_marker("apache_kafka") is not None
    )
    if os.environ.get("INAGARA_TEST_BROKER_FACING") == "1" and not broker_facing:
        return False
    callspec = getattr(item, "callspec", None)
    backend = callspec.params.get("database_factory") if callspec is not None else None
    if backend == "postgresql" and "postgresql" not in _backends():
        return False  # a PostgreSQL-only test (PgBouncer, KEDA's query) with no server named
    on_sqlite = backend == "sqlite"
    whole_stack = "integration" not in item.path.parts and "unit" not in item.path.parts
    if on_sqlite and whole_stack and len(_backends()) > 1:
        return item.get_closest_marker("both_databases") is not None
    return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Two rules trim a run without hiding anything (the deselected are counted):

    - With ``INAGARA_TEST_BROKER_FACING=1`` (``make test-kafka``) an integration test runs
      only if it talks to the broker (it uses ``kafka_bootstrap``) or starts Apache Kafka
      itself: the rest (HTTP and database only) already ran in ``make test`` and would run
      the same on any broker.
    - A test that only PostgreSQL can run (PgBouncer, KEDA's SQL trigger) runs when
      ``TEST_DATABASE_URL`` names a server (CI), and is counted as left out otherwise.
    - A test that starts whole stacks (end-to-end, faults, cluster, releases) runs on one
      database: PostgreSQL, production's, when ``TEST_DATABASE_URL`` names a server, SQLite
      otherwise. Those marked ``both_databases`` (where the database changes what the test
      proves: the walking skeleton, backup and restore, erasure, the database fault) run on
      both. Every integration test runs on both."""
    keep, drop = [], []
    for item in items:
        (keep if _runs_here(item) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    left_out = sum(
        1
        for item in drop
        if getattr(item, "callspec", None) is not None
        and item.callspec.params.get("database_factory") == "postgresql"
    )
    config.stash[_POSTGRESQL_ONLY_LEFT_OUT] = left_out
    if hasattr(config, "workeroutput"):  # a pytest-xdist worker: its controller reports it
        config.workeroutput[_LEFT_OUT_KEY] = left_out


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``pytest -n N`` (``make test``: two workers) spreads the tests as tests/scheduling.py
    says: the whole-stack tests one after another in one worker, the rest module by module."""
    if config.getvalue("dist") != "load":
        return None  # a --dist mode asked for by name gets pytest-xdist's own scheduler
    from tests.scheduling import StacksInOneWorker

    return StacksInOneWorker(config, log)


_POSTGRESQL_ONLY_LEFT_OUT = pytest.StashKey[int]()
_LEFT_OUT_KEY = "postgresql_only_left_out"


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist's controller: a worker's count of left-out PostgreSQL-only tests
    (every worker collects the same tests, so any one's count is the run's)."""
    left_out = getattr(node, "workeroutput", {}).get(_LEFT_OUT_KEY, 0)
    config: pytest.Config = node.config
    config.stash[_POSTGRESQL_ONLY_LEFT_OUT] = left_out


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    left_out = config.stash.get(_POSTGRESQL_ONLY_LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(
            f"{left_out} PostgreSQL-only tests (PgBouncer, KEDA's query) left out: no server "
            "named; TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test runs them "
            "(sh deploy/local/ensure-postgres.sh starts one), as CI does.",
            yellow=True,
        )


_snapshots = SchemaSnapshots(real_upgrade=migrations.upgrade)


@pytest.fixture(autouse=True)
def _migrations_from_snapshots(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process upgrades of an empty database load the session's snapshot of the same
    migrations (tests/schema_snapshots.py); tests marked ``real_migrations`` run Alembic."""
    if request.node.get_closest_marker("real_migrations") is None:
        monkeypatch.setattr(migrations, "upgrade", _snapshots.upgrade)


LOG_TAIL_LINES = 40


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test that started processes shows the end of each one's log in its report.

    The processes of a Stack write to ``<tmp_path>/**/log/*.log``; without their tails
    a failure in CI (where tmp_path is gone afterwards) could not be explained."""
    report = yield
    if report.failed and call.when == "call":
        tmp = getattr(item, "funcargs", {}).get("tmp_path")
        if isinstance(tmp, Path):
            for log in sorted(tmp.glob("**/log/*.log")):
                lines = log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
                report.sections.append((f"{log.name} (last lines)", "\n".join(lines)))
    return report
