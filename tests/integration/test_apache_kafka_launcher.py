"""The Apache Kafka launcher (deploy/local/apache_kafka.py): one real node from the
Maven-resolved jars takes a topic, a record and a consumer group, keeps them over a
SIGKILL and restart, and answers nothing while frozen."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from deploy.local.apache_kafka import KafkaCluster, default_cache_dir, resolve_kafka_jars

# Starts its own Apache Kafka node: in `make test-kafka`, the Apache Kafka tier, not `make test`.
pytestmark = pytest.mark.apache_kafka


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    with KafkaCluster(nodes=1, log_dir=tmp_path_factory.mktemp("kafka-logs")) as cluster:
        yield cluster


def consume(servers: str, topic: str, group: str, want: int, timeout_s: float = 30) -> list[bytes]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=servers,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    values: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(values) < want and time.monotonic() < deadline:
            for records in consumer.poll(500).values():
                values.extend(r.value for r in records)
        consumer.commit()
    finally:
        consumer.close()
    return values


def test_the_jars_are_resolved_once_then_reused() -> None:
    resolve_kafka_jars()  # on a fresh machine: Maven resolves here
    started = time.monotonic()
    lib = resolve_kafka_jars()
    assert time.monotonic() - started < 1, "a resolved cache is not resolved again"
    assert lib == default_cache_dir().resolve() / "lib"
    names = {p.name for p in lib.glob("*.jar")}
    assert {"kafka_2.13-4.2.1.jar", "kafka-server-4.2.1.jar", "kafka-storage-4.2.1.jar"} <= names
    assert any(n.startswith("log4j-slf4j-impl-") for n in names), "a log4j2 backend"


def test_a_node_takes_a_topic_records_and_a_group_and_keeps_them_over_a_crash(
    cluster: KafkaCluster,
) -> None:
    node = cluster.nodes[0]
    assert cluster.bootstrap_servers == f"127.0.0.1:{node.port}"
    assert cluster.active_controller_id() == node.node_id
    topic = f"launcher.{uuid.uuid4().hex[:8]}"
    cluster.admin_call(lambda admin: admin.create_topics([NewTopic(topic, 3, 1)]))
    assert cluster.partition_leaders(topic) == {0: 1, 1: 1, 2: 1}

    producer = KafkaProducer(bootstrap_servers=cluster.bootstrap_servers, acks="all")
    for n in range(10):
        producer.send(topic, f"r{n}".encode(), partition=n % 3).get(10)
    producer.close()
    assert sorted(consume(cluster.bootstrap_servers, topic, "g1", 10)) == sorted(
        f"r{n}".encode() for n in range(10)
    )

    node.kill()
    assert not node.is_running() and node.pid is None
    node.start()
    cluster.wait_ready(60)
    committed = cluster.admin_call(lambda admin: admin.list_group_offsets("g1"))["g1"]
    assert {tp: o.offset for tp, o in committed.items()} == {
        TopicPartition(topic, 0): 4,
        TopicPartition(topic, 1): 3,
        TopicPartition(topic, 2): 3,
    }, "the group's commits survive a SIGKILL"
    assert len(consume(cluster.bootstrap_servers, topic, "g2", 10)) == 10, "so do the records"
    assert (Path(cluster.log_dir) / "kafka-node-1.log").stat().st_size > 0


def test_a_frozen_node_answers_nothing_until_thawed(cluster: KafkaCluster) -> None:
    node = cluster.nodes[0]
    node.freeze()
    try:
        assert node.is_running()
        with socket.create_connection(("127.0.0.1", node.port), timeout=2) as sock:
            sock.settimeout(1.5)
            # ApiVersions v0, correlation id 7, no client id
            sock.sendall(bytes.fromhex("0000000a0012000000000007ffff"))
            with pytest.raises(TimeoutError):
                sock.recv(4)
    finally:
        node.thaw()
    cluster.wait_ready(30)
    assert cluster.active_controller_id() == node.node_id
