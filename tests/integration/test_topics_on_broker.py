"""The session broker's topics are the ones shared/events/topics.py defines, replicated on
as many brokers as there are (up to 3)."""

from __future__ import annotations

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from shared.events.catalog import ALL_TOPICS
from shared.events.topics import TOPIC_SPECS, ensure_topics
from tests.brokers import selected


def test_the_system_topics_are_created_as_defined(kafka_bootstrap: str) -> None:
    applied = {s.name: s for s in ensure_topics(kafka_bootstrap)}  # idempotent
    assert sorted(applied) == sorted(ALL_TOPICS)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap.split(","))
    try:
        brokers = len(admin.describe_cluster()["brokers"])
        described = {t["name"]: t for t in admin.describe_topics(list(ALL_TOPICS))}
        for spec in TOPIC_SPECS:
            partitions = described[spec.name]["partitions"]
            assert len(partitions) == spec.partitions, spec.name
            assert {len(p["replica_nodes"]) for p in partitions} == {min(3, brokers)}, spec.name
            assert applied[spec.name] == spec.on(brokers)
        resources = [ConfigResource(ConfigResourceType.TOPIC, s.name) for s in TOPIC_SPECS]
        reported = admin.describe_configs(resources)["topic"]
        for spec in TOPIC_SPECS:
            values = {name: c["value"] for name, c in reported[spec.name].items()}
            if not values:  # Tansu keeps no topic configs: it reports none, and ignores them
                assert selected() == "tansu", f"{spec.name} reports no configs"
                continue
            assert values == spec.on(brokers).configs(), spec.name
    finally:
        admin.close()
