"""The broker the tests run on: ``INAGARA_TEST_BROKER=tansu|kafka|kafka-cluster``.

- ``tansu`` (default): the bundled local broker (deploy/local/tansu.py), fast to start;
- ``kafka``: one Apache Kafka node (deploy/local/apache_kafka.py), as in production;
- ``kafka-cluster``: three Apache Kafka nodes, replication 3, ``min.insync.replicas`` 2;
- ``testcontainers``: Apache Kafka in Docker (needs a Docker engine).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from deploy.local.apache_kafka import KafkaCluster
from deploy.local.tansu import LocalBroker

CHOICES = ("tansu", "kafka", "kafka-cluster", "testcontainers")


class Broker(Protocol):
    """What the tests use of a broker they start: its address, SIGSTOP/SIGCONT, stopping."""

    @property
    def bootstrap_servers(self) -> str: ...

    def freeze(self) -> None: ...

    def thaw(self) -> None: ...

    def stop(self) -> None: ...


def selected() -> str:
    choice = os.environ.get("INAGARA_TEST_BROKER", "tansu")
    if choice not in CHOICES:
        raise ValueError(f"INAGARA_TEST_BROKER={choice!r}: one of {', '.join(CHOICES)}")
    return choice


def start_broker(log_dir: Path, choice: str | None = None) -> Broker:
    """Start a broker of the selected kind (a Docker one is the session's only)."""
    choice = choice or selected()
    if choice in ("kafka", "kafka-cluster"):
        return KafkaCluster(nodes=3 if choice == "kafka-cluster" else 1, log_dir=log_dir).start()
    return LocalBroker(log_path=log_dir / "broker.log").start()
