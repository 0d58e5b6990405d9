"""The producer port: a real one on kafka-python and an in-memory one for unit tests."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from kafka import KafkaProducer
from kafka.errors import KafkaError

from shared.events.envelope import Headers

log = logging.getLogger(__name__)


class Publisher(Protocol):
    def publish(self, topic: str, key: bytes | None, value: bytes, headers: Headers) -> None: ...

    def flush(self, timeout_s: float | None = None) -> None: ...

    def close(self) -> None: ...


class KafkaPublisher:
    """kafka-python producer with ``acks=all`` and idempotence on.

    ``publish`` only buffers; ``flush`` blocks until the broker has acknowledged
    every buffered record and raises ``kafka.errors.KafkaError`` if any failed.
    Build it after gunicorn forks: it starts a network thread.
    """

    def __init__(self, bootstrap_servers: str, **overrides: Any) -> None:
        config: dict[str, Any] = {
            "bootstrap_servers": bootstrap_servers.split(","),
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": 5,
            "batch_size": 65536,
            "max_in_flight_requests_per_connection": 5,
            "request_timeout_ms": 10000,
            "delivery_timeout_ms": 30000,
            "max_block_ms": 10000,
        }
        config.update(overrides)
        self._config = config
        self._producer = KafkaProducer(**config)
        self._renewing = threading.Lock()
        # One producer serves several threads (relay, dead letters); each thread
        # checks only the acknowledgements of what it published itself.
        self._local = threading.local()

    def _pending(self) -> list[Any]:
        if not hasattr(self._local, "pending"):
            self._local.pending = []
        return self._local.pending  # type: ignore[no-any-return]

    def publish(self, topic: str, key: bytes | None, value: bytes, headers: Headers) -> None:
        self._pending().append(self._producer.send(topic, key=key, value=value, headers=headers))

    def flush(self, timeout_s: float | None = None) -> None:
        pending, self._local.pending = self._pending(), []
        producer = self._producer
        try:
            producer.flush(timeout=timeout_s)
            for future in pending:
                future.get(timeout=0 if future.is_done else timeout_s)
        except KafkaError:
            self._renew(producer)
            raise

    def _renew(self, failed: KafkaProducer) -> None:
        """Replace a producer whose flush failed with a new one (a new producer id).

        kafka-python's idempotent producer can keep batches it never resolves after
        their delivery timeout expired: seen on a three-node cluster stopped below
        ``min.insync.replicas``, where every flush after the brokers came back timed
        out. What the old one did not get acknowledged is still unsent in the outbox
        (or uncommitted on the topic) and is published again; consumers dedupe.
        """
        with self._renewing:
            if self._producer is not failed:
                return  # another thread renewed it already
            try:
                self._producer = KafkaProducer(**self._config)
            except KafkaError:
                log.warning("cannot renew the producer yet; keeping the old one", exc_info=True)
                return
        log.warning("a flush failed: the producer is replaced by a new one")
        failed.close(timeout=0)

    def close(self) -> None:
        self._producer.close(timeout=5)


@dataclass
class MemoryPublisher:
    """Keeps what was published, for unit tests; ``fail_next`` simulates a broker error."""

    sent: list[tuple[str, bytes | None, bytes, Headers]] = field(default_factory=list)
    fail_next: int = 0
    _buffer: list[tuple[str, bytes | None, bytes, Headers]] = field(default_factory=list)

    def publish(self, topic: str, key: bytes | None, value: bytes, headers: Headers) -> None:
        self._buffer.append((topic, key, value, headers))

    def flush(self, timeout_s: float | None = None) -> None:
        buffer, self._buffer = self._buffer, []
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("broker unavailable (simulated)")
        self.sent.extend(buffer)

    def close(self) -> None:
        self._buffer.clear()
