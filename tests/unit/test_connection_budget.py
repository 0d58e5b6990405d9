"""PgBouncer sits between the processes and PostgreSQL, in transaction pooling, within budget.

docker-compose.yml and the production overlay (deploy/k8s/components/pgbouncer) send every
process's DATABASE_URL through PgBouncer; what PostgreSQL then sees is bounded by
PgBouncer's ``max_db_connections``, not by the replicas (docs/OPERATE.md, "Connections").
The code's side of transaction pooling is tested on a real PgBouncer in
tests/integration/test_pgbouncer.py.
"""

from __future__ import annotations

import configparser

import pytest
import yaml
from sqlalchemy import event
from sqlalchemy.engine import make_url

from shared.platform.db import make_engine
from tests.unit.schema_files import REPO_ROOT
from tests.unit.test_deploy_files import COMPOSE_FILE, PROCESSES
from tests.unit.test_k8s_manifests import (
    SECRET_EXAMPLE,
    _allowed,
    _pod_labels,
    _ports,
    _selects,
    named,
    of_kind,
)

COMPOSE_INI = REPO_ROOT / "deploy" / "pgbouncer" / "pgbouncer.ini"
K8S_INI = REPO_ROOT / "deploy" / "k8s" / "components" / "pgbouncer" / "pgbouncer.ini"
DATABASES = ("submission", "review", "notification", "results")
# PostgreSQL's default max_connections, less its 3 superuser_reserved_connections, less
# room for an operator's own sessions (psql, backups).
SERVER_BUDGET = 100 - 3 - 5
NOTHING = {"matchLabels": {"selects": "nothing"}}  # a peer without a podSelector


def ini(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(inline_comment_prefixes=(";",))
    parser.read_string(text)
    return parser


@pytest.mark.parametrize("path", [COMPOSE_INI, K8S_INI], ids=["compose", "k8s"])
def test_pgbouncer_pools_transactions_for_each_service_database(path: object) -> None:
    config = ini(COMPOSE_INI.read_text() if path == COMPOSE_INI else K8S_INI.read_text())
    bouncer = config["pgbouncer"]
    assert bouncer["pool_mode"] == "transaction"
    assert bouncer["listen_port"] == "6432"
    assert sorted(config["databases"]) == sorted(DATABASES)
    for database in DATABASES:
        assert f"dbname={database}" in config["databases"][database]
    assert int(bouncer["default_pool_size"]) + int(bouncer["reserve_pool_size"]) <= int(
        bouncer["max_db_connections"]
    )


def test_every_compose_process_connects_through_pgbouncer() -> None:
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    services = compose["services"]
    for process in PROCESSES:
        url = make_url(services[process]["environment"]["DATABASE_URL"].replace("${", "x{"))
        assert (url.host, url.port) == ("pgbouncer", 6432), f"{process}: {url.host}:{url.port}"
        assert "pgbouncer" in services[process]["depends_on"], process
    bouncer = services["pgbouncer"]
    assert "@sha256:" in bouncer["image"] or bouncer["image"].rsplit(":", 1)[1] != "latest"
    assert bouncer["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_production_overlay_runs_pgbouncer_within_the_servers_budget() -> None:
    deployment = named("production", "Deployment", "pgbouncer")
    replicas = deployment["spec"]["replicas"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert not container["image"].endswith(":latest")
    (config_map,) = [
        doc
        for doc in of_kind("production", "ConfigMap")
        if doc["metadata"]["name"].startswith("inagara-pgbouncer")
    ]
    rendered_ini = ini(config_map["data"]["pgbouncer.ini"])
    assert rendered_ini["pgbouncer"]["pool_mode"] == "transaction"
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["config"]["configMap"]["name"] == config_map["metadata"]["name"]
    assert volumes["logins"]["secret"]["secretName"] == "inagara-pgbouncer"
    (service,) = [
        d for d in of_kind("production", "Service") if d["metadata"]["name"] == "pgbouncer"
    ]
    assert [port["port"] for port in service["spec"]["ports"]] == [6432]
    assert any(
        budget["spec"]["selector"]["matchLabels"].items()
        <= deployment["spec"]["template"]["metadata"]["labels"].items()
        for budget in of_kind("production", "PodDisruptionBudget")
    ), "PgBouncer has no PodDisruptionBudget"
    at_most = len(DATABASES) * int(rendered_ini["pgbouncer"]["max_db_connections"]) * replicas
    assert at_most <= SERVER_BUDGET, (
        f"PgBouncer may open {at_most} server connections, more than {SERVER_BUDGET}"
    )
    # The pooler is not in the local overlay: there the pods reach the server themselves.
    assert not [d for d in of_kind("local", "Deployment") if d["metadata"]["name"] == "pgbouncer"]


def test_the_secret_example_names_pgbouncer_for_every_database() -> None:
    example = yaml.safe_load(SECRET_EXAMPLE.read_text())["stringData"]
    for database in DATABASES:
        url = make_url(example[f"{database.upper()}_DATABASE_URL"])
        assert (url.host, url.port, url.database) == ("pgbouncer", 6432, database)


def test_network_policies_let_the_pods_reach_pgbouncer_and_it_the_server() -> None:
    pooler = named("production", "Deployment", "pgbouncer")["spec"]["template"]["metadata"][
        "labels"
    ]
    for name, labels in _pod_labels("production").items():
        rules = _allowed("production", labels, "egress")
        assert any(
            6432 in _ports(rule)
            and any(_selects(peer.get("podSelector", NOTHING), pooler) for peer in rule["to"])
            for rule in rules
            if rule.get("to")
        ), f"{name} may not reach PgBouncer"
        inbound = _allowed("production", pooler, "ingress")
        assert any(
            6432 in _ports(rule)
            and any(_selects(peer.get("podSelector", NOTHING), labels) for peer in rule["from"])
            for rule in inbound
        ), f"PgBouncer does not admit {name}"
    egress = set().union(*(_ports(rule) for rule in _allowed("production", pooler, "egress")))
    assert {53, 5432} <= egress


def test_the_engine_prepares_no_statement_on_the_server() -> None:
    """Behind transaction pooling a prepared statement would meet another client's connection."""
    engine = make_engine("postgresql://u@127.0.0.1:1/x")
    seen: dict[str, object] = {}

    class Connected(Exception):
        pass

    def do_connect(
        _dialect: object, _record: object, _args: object, params: dict[str, object]
    ) -> None:
        seen.update(params)
        raise Connected

    event.listen(engine, "do_connect", do_connect)
    try:
        with pytest.raises(Connected):
            engine.connect()
        assert "prepare_threshold" in seen
        assert seen["prepare_threshold"] is None
    finally:
        engine.dispose()
