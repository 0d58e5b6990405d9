"""Every Kafka client of the project reaches a TLS + SASL cluster from its settings alone.

Apache Kafka (the production broker, from Maven Central) is started with a SASL_SSL
listener: a certificate generated here, SASL/PLAIN and SCRAM-SHA-256 users. The
topic creator, the worker's producer and consumer (and its dead-letter path), the
review service's pipeline probes and the dead-letter tool all connect through it;
a wrong password and a plaintext client are refused.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from kafka.errors import KafkaError

from deploy.local.apache_kafka import KafkaCluster, SecureListener, self_signed_keystore
from services.review.adapters.pipeline_probes import LivePipelineProbes
from shared.events.catalog import dead_letter_topic
from shared.events.connection import kafka_client, kafka_security
from shared.events.consumer import ConsumerConfig, EventConsumer
from shared.events.envelope import Event, to_record
from shared.events.producer import KafkaPublisher
from shared.events.topics import ensure_topics
from shared.platform.settings import Settings, SettingsError
from tools import dlq

# Starts its own Apache Kafka node with a SASL_SSL listener: in `make test-kafka`, the Apache Kafka tier, not `make test`.
pytestmark = pytest.mark.apache_kafka

PLAIN_USER, PLAIN_SECRET = "inagara-plain", "plain-secret-for-tests"
SCRAM_USER, SCRAM_SECRET = "inagara-scram", "scram-secret-for-tests"


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KafkaCluster, Path]]:
    work = tmp_path_factory.mktemp("kafka-secure")
    keystore, ca = self_signed_keystore(work / "tls", "127.0.0.1", "keystore-secret")
    listener = SecureListener(
        keystore,
        "keystore-secret",
        plain_users={PLAIN_USER: PLAIN_SECRET},
        scram_users={SCRAM_USER: SCRAM_SECRET},
    )
    with KafkaCluster(nodes=1, log_dir=work, secure=listener) as cluster:
        yield cluster, ca


def _settings(cluster: KafkaCluster, ca: Path, mechanism: str, user: str, secret: str) -> Settings:
    return Settings(
        service="test",
        kafka_bootstrap_servers=cluster.secure_bootstrap_servers,
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism=mechanism,
        kafka_sasl_username=user,
        kafka_sasl_password=secret,
        kafka_ssl_cafile=str(ca),
    )


def _event() -> Event:
    return Event(
        type="test.happened",
        source="/tests/kafka-security",
        subject=str(uuid.uuid4()),
        data={"n": 1},
        dataschema="urn:inagara:event:test.happened:v1",
    )


def test_clients_work_over_sasl_ssl_with_plain_and_scram(
    secured: tuple[KafkaCluster, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster, ca = secured
    plain = _settings(cluster, ca, "PLAIN", PLAIN_USER, PLAIN_SECRET)
    scram = _settings(cluster, ca, "SCRAM-SHA-256", SCRAM_USER, SCRAM_SECRET)
    topic = f"secure.{uuid.uuid4().hex[:8]}"
    specs = ensure_topics(
        plain.kafka_bootstrap_servers,
        [topic, dead_letter_topic(topic)],
        partitions=1,
        security=kafka_security(plain),
    )
    assert [s.name for s in specs] == [topic, dead_letter_topic(topic)]

    good = _event()
    publisher = KafkaPublisher(plain.kafka_bootstrap_servers, **kafka_security(plain))
    try:
        publisher.publish(topic, b"poison", b"\xff not an event", [("ce_type", b"x")])
        record = to_record(good)
        publisher.publish(topic, record.key, record.value, record.headers)
        publisher.flush(timeout_s=20)

        seen: list[str] = []

        def handle(events: Sequence[Event]) -> None:
            seen.extend(event.id for event in events)

        group = f"g.{uuid.uuid4().hex[:8]}"
        config = ConsumerConfig(group_id=group, topics=(topic,), commit_interval_s=0.1)
        consumer = EventConsumer(scram, config, handle, publisher)
        try:
            deadline = time.monotonic() + 30
            while good.id not in seen and time.monotonic() < deadline:
                consumer.poll_once()
        finally:
            consumer.close()
    finally:
        publisher.close()
    assert seen == [good.id], "the SCRAM consumer read the event the PLAIN producer sent"

    # The poison record went to the dead-letter topic through the secured producer, and
    # the dead-letter tool reads it with the security settings from the environment.
    for name, value in {
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-256",
        "KAFKA_SASL_USERNAME": SCRAM_USER,
        "KAFKA_SASL_PASSWORD": SCRAM_SECRET,
        "KAFKA_SSL_CAFILE": str(ca),
    }.items():
        monkeypatch.setenv(name, value)
    letters = dlq.read_all(cluster.secure_bootstrap_servers, dead_letter_topic(topic))
    assert [letter.value for letter in letters] == [b"\xff not an event"]

    # The review service's pipeline page reads the group's lag the same way.
    probes = LivePipelineProbes(cluster.secure_bootstrap_servers, 10.0, kafka_security(scram))
    (lag,) = probes.group_lags({group: (topic,)})
    assert lag.error == ""
    assert len(lag.partitions) == 1 and lag.total == 0, "the group has read both records"


def test_a_wrong_password_and_a_plaintext_client_are_refused(
    secured: tuple[KafkaCluster, Path],
) -> None:
    cluster, ca = secured
    wrong = _settings(cluster, ca, "SCRAM-SHA-256", SCRAM_USER, "not-the-password")
    with pytest.raises(KafkaError):
        publisher = KafkaPublisher(
            wrong.kafka_bootstrap_servers,
            max_block_ms=3000,
            bootstrap_timeout_ms=3000,
            **kafka_security(wrong),
        )
        try:
            publisher.publish(f"secure.{uuid.uuid4().hex[:8]}", b"k", b"v", [])
            publisher.flush(timeout_s=5)
        finally:
            publisher.close()
    with pytest.raises(KafkaError):
        ensure_topics(cluster.secure_bootstrap_servers, ["never.created"], timeout_s=3)


def test_settings_refuse_a_sasl_protocol_without_its_credentials() -> None:
    with pytest.raises(SettingsError, match="KAFKA_SASL_MECHANISM"):
        Settings(kafka_security_protocol="SASL_SSL")
    with pytest.raises(SettingsError, match="KAFKA_SASL_PASSWORD"):
        Settings(
            kafka_security_protocol="SASL_SSL",
            kafka_sasl_mechanism="PLAIN",
            kafka_sasl_username="someone",
        )
    with pytest.raises(SettingsError, match="KAFKA_SECURITY_PROTOCOL"):
        Settings(kafka_security_protocol="TLS")
    assert kafka_client(Settings(kafka_bootstrap_servers="a:1,b:2")) == {
        "bootstrap_servers": ["a:1", "b:2"]
    }
