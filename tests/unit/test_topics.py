"""The one definition of the system's topics (shared/events/topics.py)."""

from __future__ import annotations

from shared.events.catalog import ALL_TOPICS
from shared.events.topics import DLQ_RETENTION_MS, RETENTION_MS, TOPIC_SPECS, TopicSpec, main


def test_every_topic_of_the_catalog_is_defined_for_production() -> None:
    assert sorted(s.name for s in TOPIC_SPECS) == sorted(ALL_TOPICS)
    for spec in TOPIC_SPECS:
        assert (spec.partitions, spec.replication_factor, spec.min_insync_replicas) == (6, 3, 2)
        wanted = DLQ_RETENTION_MS if spec.name.endswith(".dlq") else RETENTION_MS
        assert spec.retention_ms == wanted
    assert DLQ_RETENTION_MS > RETENTION_MS, "dead letters wait longer for a replay"


def test_replication_shrinks_to_the_brokers_there_are() -> None:
    spec = TopicSpec("t")
    assert (spec.on(1).replication_factor, spec.on(1).min_insync_replicas) == (1, 1)
    assert (spec.on(2).replication_factor, spec.on(2).min_insync_replicas) == (2, 1)
    assert (spec.on(3).replication_factor, spec.on(3).min_insync_replicas) == (3, 2)
    assert (spec.on(5).replication_factor, spec.on(5).min_insync_replicas) == (3, 2)
    assert spec.on(3).configs() == {"min.insync.replicas": "2", "retention.ms": str(RETENTION_MS)}


def test_list_prints_the_definitions(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(ALL_TOPICS)
    assert "inagara.proposals partitions=6 replication.factor=3 min.insync.replicas=2" in lines[0]
