"""The system's topics as created on a broker: one source for every place that creates them.

Topics are created on purpose, never by auto-create: by the tests and ``make run``
(:func:`ensure_topics`), by docker-compose.yml's ``kafka-init`` and the Kubernetes
Job ``kafka-topics`` (both run ``python -m shared.events.topics create``). The
definitions are the production ones (replication 3, ``min.insync.replicas`` 2); on a
cluster of fewer brokers the replication shrinks to the brokers there are (one on a
one-node test broker or compose's single Kafka), and ``min.insync.replicas`` with it.

    python -m shared.events.topics list                  # the definitions
    python -m shared.events.topics create [--bootstrap-servers host:port,...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from shared.events.catalog import ALL_TOPICS, TOPICS, dead_letter_topic
from shared.events.connection import kafka_security
from shared.platform.settings import Settings

DAY_MS = 24 * 60 * 60 * 1000
PARTITIONS = 6  # the most consumers of one group that share a topic (KEDA's maxReplicaCount)
REPLICATION_FACTOR = 3
MIN_INSYNC_REPLICAS = 2  # with acks=all: a write is on two brokers before it counts
RETENTION_MS = 7 * DAY_MS  # the consumers' backlog a week-long outage may build
DLQ_RETENTION_MS = 30 * DAY_MS  # time to find the cause and replay (make replay-dlq)


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int = PARTITIONS
    replication_factor: int = REPLICATION_FACTOR
    min_insync_replicas: int = MIN_INSYNC_REPLICAS
    retention_ms: int = RETENTION_MS

    def configs(self) -> dict[str, str]:
        return {
            "min.insync.replicas": str(self.min_insync_replicas),
            "retention.ms": str(self.retention_ms),
        }

    def on(self, brokers: int) -> TopicSpec:
        """This topic on a cluster of ``brokers``: no more replicas than brokers, and
        ``min.insync.replicas`` below the replicas (one broker may be down)."""
        replicas = max(1, min(self.replication_factor, brokers))
        return replace(
            self,
            replication_factor=replicas,
            min_insync_replicas=max(1, min(self.min_insync_replicas, replicas - 1)),
        )


TOPIC_SPECS: tuple[TopicSpec, ...] = tuple(TopicSpec(t) for t in TOPICS) + tuple(
    TopicSpec(dead_letter_topic(t), retention_ms=DLQ_RETENTION_MS) for t in TOPICS
)
SPECS_BY_NAME = {spec.name: spec for spec in TOPIC_SPECS}
assert set(SPECS_BY_NAME) == set(ALL_TOPICS), "a topic of the catalog without a definition"


def _admin(
    bootstrap_servers: str, timeout_s: float, security: Mapping[str, Any]
) -> KafkaAdminClient:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return KafkaAdminClient(
                bootstrap_servers=bootstrap_servers.split(","),
                request_timeout_ms=5000,
                # Each attempt within what is left (kafka-python waits 30 s by default).
                bootstrap_timeout_ms=max(500, int((deadline - time.monotonic()) * 1000)),
                **security,
            )
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str] = ALL_TOPICS,
    partitions: int | None = None,
    timeout_s: float = 20,
    security: Mapping[str, Any] | None = None,
) -> list[TopicSpec]:
    """Create the topics that do not exist yet (idempotent), as :data:`TOPIC_SPECS` defines
    them (a name without a definition gets the defaults; ``partitions`` overrides);
    returns the definitions as applied on this cluster. ``security`` is
    :func:`shared.events.connection.kafka_security` of a secured cluster."""
    admin = _admin(bootstrap_servers, timeout_s, security or {})
    try:
        brokers = len(admin.describe_cluster()["brokers"])
        specs = []
        for name in topics:
            spec = SPECS_BY_NAME.get(name, TopicSpec(name))
            if partitions is not None:
                spec = replace(spec, partitions=partitions)
            specs.append(spec.on(brokers))
        existing = set(admin.list_topics())
        missing = [
            NewTopic(s.name, s.partitions, s.replication_factor, topic_configs=s.configs())
            for s in specs
            if s.name not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(missing)
        return specs
    finally:
        admin.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.events.topics", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="print the definitions")
    create = sub.add_parser("create", help="create the topics that do not exist yet")
    create.add_argument(
        "--bootstrap-servers", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    create.add_argument("--timeout", type=float, default=120, help="seconds to reach the broker")
    args = parser.parse_args(argv)
    if args.command == "list":
        specs = list(TOPIC_SPECS)
    else:
        # The security settings (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*) as a worker's.
        security = kafka_security(Settings.from_env())
        specs = ensure_topics(args.bootstrap_servers, timeout_s=args.timeout, security=security)
    for s in specs:
        print(
            f"{s.name} partitions={s.partitions} replication.factor={s.replication_factor} "
            f"min.insync.replicas={s.min_insync_replicas} retention.ms={s.retention_ms}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
