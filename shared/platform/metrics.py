"""Prometheus metrics every process shares, and how they are exposed.

Web processes run under gunicorn with several workers: when
``PROMETHEUS_MULTIPROC_DIR`` is set (the local stack and the image set it), each
worker writes its samples to files there and ``/metrics`` aggregates them
(``shared/web/gunicorn_config.py`` clears the folder at start and marks dead
workers). Worker processes serve their own registry on ``METRICS_PORT``.
Database-derived figures (the outbox backlog) are read at scrape time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, Table, func, select

REQUESTS = Counter(
    "inagara_http_requests_total",
    "HTTP requests by route and status",
    ["service", "method", "route", "status"],
)
LATENCY = Histogram(
    "inagara_http_request_duration_seconds",
    "HTTP request latency by route",
    ["service", "method", "route"],
)
EVENTS_CONSUMED = Counter(
    "inagara_events_consumed_total",
    "Records a consumer finished, by event type and outcome (handled, skipped, dead_lettered)",
    ["service", "topic", "type", "outcome"],
)
HANDLER_RETRIES = Counter(
    "inagara_handler_retries_total",
    "Handler attempts that failed and will be retried",
    ["service", "topic"],
)
HANDLER_SECONDS = Histogram(
    "inagara_handler_duration_seconds",
    "Time to handle one event, including its transaction",
    ["service", "type"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS_PUBLISHED = Counter(
    "inagara_events_published_total",
    "Outbox events the relay published",
    ["service", "topic", "type"],
)
CONSUMER_LAG = Gauge(
    "inagara_consumer_lag",
    "Records on the partition not yet handled by this consumer group",
    ["service", "group", "topic", "partition"],
    multiprocess_mode="max",
)
CONSUMER_PARTITIONS = Gauge(
    "inagara_consumer_partitions",
    "Partitions this worker's consumer holds in its group (absent: it has not joined yet)",
    ["service", "group"],
    multiprocess_mode="max",
)
SKIPPED_SUBJECTS = Counter(
    "inagara_skipped_subjects_total",
    "People left out of an event's messages because their sealed fields cannot be opened",
    ["reason"],
)
RETENTION_PROPOSALS = Counter(
    "inagara_retention_proposals_total",
    "Proposals whose personal data the retention job erased or minimised (awarded)",
    ["outcome"],
)
# Labelled like every metric here: an unlabelled one would open its multiprocess file at
# import, before gunicorn made PROMETHEUS_MULTIPROC_DIR.
RETENTION_SUBJECTS = Counter(
    "inagara_retention_subjects_erased_total",
    "Data subjects retention erased (key shredded; subject.erased or objector.erased published)",
    ["service"],
)
RETENTION_EVIDENCE = Counter(
    "inagara_retention_evidence_files_deleted_total",
    "Evidence files of erased proposals the retention job deleted (bytes and rows)",
    ["service"],
)
DELIVERIES = Counter(
    "inagara_deliveries_total",
    "Messages sent or given up, by channel and outcome",
    ["channel", "outcome"],
)


class OutboxCollector(Collector):
    """``inagara_outbox_backlog`` and the age of the oldest unsent row, read at scrape time."""

    def __init__(self, service: str, engine: Engine, outbox: Table) -> None:
        self._service = service
        self._engine = engine
        self._outbox = outbox

    def collect(self) -> Iterator[GaugeMetricFamily]:
        backlog = GaugeMetricFamily(
            "inagara_outbox_backlog", "Outbox rows not yet published", labels=["service"]
        )
        age = GaugeMetricFamily(
            "inagara_outbox_oldest_unsent_age_seconds",
            "Age of the oldest unpublished outbox row (0 when none)",
            labels=["service"],
        )
        try:
            count, oldest = outbox_backlog(self._engine, self._outbox)
        except Exception:
            return  # the database is down: /readyz says so; the scrape still answers
        backlog.add_metric([self._service], count)
        age.add_metric([self._service], oldest)
        yield backlog
        yield age


def outbox_backlog(engine: Engine, outbox: Table) -> tuple[int, float]:
    """How many rows wait for the relay, and how old the oldest one is in seconds."""
    with engine.connect() as conn:
        count, oldest = conn.execute(
            select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None))
        ).one()
    if not oldest:
        return int(count), 0.0
    oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
    return int(count), max(0.0, (datetime.now(UTC) - oldest).total_seconds())


def scrape(extra: list[Collector]) -> tuple[bytes, str]:
    """The exposition of this process (or of all gunicorn workers) plus ``extra``."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry: Any = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry()
        registry.register(_Everything())
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Everything(Collector):
    """The default registry, as a collector that can be put into another registry."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()


def serve_worker_metrics(port: int, extra: list[Collector]) -> None:
    """Expose a worker's metrics on ``port`` (0: do not); returns at once."""
    if port:
        for collector in extra:
            REGISTRY.register(collector)
        start_http_server(port, addr="0.0.0.0")  # scraped from other pods in Kubernetes
