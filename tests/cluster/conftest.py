"""The cluster tier: three Apache Kafka nodes (KRaft, each broker and controller),
the system's topics as defined (shared/events/topics.py: replication 3,
``min.insync.replicas`` 2), started once for the session; every test gets a fresh
stack and leaves every node running and every replica in sync.

Collected only with ``INAGARA_TEST_BROKER=kafka-cluster`` (``make test-cluster``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka.errors import KafkaError

from deploy.local.apache_kafka import KafkaCluster
from deploy.local.stack import Stack
from shared.events.catalog import ALL_TOPICS
from shared.events.topics import ensure_topics
from tests.faults.support import lean_stack

CONSUMER_OFFSETS = "__consumer_offsets"
# The services' own defaults (6 s sessions, a 60 s send lease) where the lean stack,
# made for killing workers, has shorter ones: here no worker dies, and a 5 s lease
# would take a sender slowed down by the shared CPU for a dead one.
CLUSTER_ENV = {
    "KAFKA_SESSION_TIMEOUT_MS": "6000",
    "KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
    "NOTIFICATION_SEND_LEASE_S": "60",
}


def out_of_sync(cluster: KafkaCluster) -> list[str]:
    """Partitions of the system's topics and of the group offsets without a leader or
    with a replica outside the in-sync set."""
    topics = [*ALL_TOPICS, CONSUMER_OFFSETS]
    described = cluster.admin_call(lambda admin: admin.describe_topics(topics))
    return [
        f"{t['name']}[{p['partition_index']}]"
        for t in described
        for p in t["partitions"]
        if p["leader_id"] < 0 or set(p["isr_nodes"]) != set(p["replica_nodes"])
    ]


def restore(cluster: KafkaCluster, timeout_s: float = 180) -> None:
    """Every node running and answering, every replica back in sync."""
    for node in cluster.nodes:
        node.thaw()
        if not node.is_running():
            node.start()
    cluster.wait_ready(timeout_s)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            lagging = out_of_sync(cluster)
        except KafkaError as exc:  # a node still catching up may not answer yet
            lagging = [repr(exc)]
        if not lagging:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"replicas still out of sync after {timeout_s}s: {lagging}")
        time.sleep(0.5)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    logs = tmp_path_factory.mktemp("kafka-logs")
    with KafkaCluster(nodes=3, log_dir=logs) as started:
        specs = ensure_topics(started.bootstrap_servers)
        assert {(s.replication_factor, s.min_insync_replicas) for s in specs} == {(3, 2)}
        restore(started)
        yield started


@pytest.fixture(scope="session")
def kafka_bootstrap(cluster: KafkaCluster) -> str:
    return cluster.bootstrap_servers


@pytest.fixture
def stack(cluster: KafkaCluster, tmp_path: Path) -> Iterator[Stack]:
    """The whole system on the cluster; afterwards every node is back and in sync."""
    started = lean_stack(tmp_path, cluster.bootstrap_servers, extra_env=CLUSTER_ENV).start()
    try:
        yield started
    finally:
        started.stop()
        restore(cluster)
