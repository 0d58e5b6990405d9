"""Creating the system's topics on a broker (idempotent)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from shared.events.catalog import ALL_TOPICS


def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str] = ALL_TOPICS,
    partitions: int = 6,
    timeout_s: float = 20,
) -> None:
    """Create the topics that do not exist yet (idempotent); blocks until they do.

    Replicated on min(3, brokers) brokers, with ``min.insync.replicas`` 2 when there
    are at least two replicas (so ``acks=all`` means two copies), else 1."""
    wanted = list(topics)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap_servers.split(","), request_timeout_ms=5000
            )
            break
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    try:
        replication = min(3, len(admin.describe_cluster()["brokers"]))
        configs = {"min.insync.replicas": str(min(2, replication))}
        existing = set(admin.list_topics())
        missing = [
            NewTopic(t, partitions, replication, topic_configs=configs)
            for t in wanted
            if t not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(missing)
    finally:
        admin.close()
