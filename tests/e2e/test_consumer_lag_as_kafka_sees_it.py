"""Consumer lag as operators see it agrees with the broker's own view of the groups.

The whole stack on the session broker (on Apache Kafka in ``make test-kafka``):
GET /v1/pipeline's lag per group and partition, and the workers' /metrics
``inagara_consumer_lag`` gauges, against what the admin client says: each group's
committed offsets (``list_group_offsets``) and the topics' end offsets
(``list_partition_offsets``). Once settled, and with the notification worker stopped
while proposals keep arriving (a lag that is not zero).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.admin import OffsetSpec
from kafka.structs import TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from deploy.local.ports import free_port
from deploy.local.stack import SERVICES, Stack
from services.review.usecases.pipeline import GROUPS
from tests.faults.support import (
    admin,
    deliveries_done,
    eventually,
    lean_stack,
    review_status_of,
    submit_many,
)

pytestmark = pytest.mark.e2e
Lags = dict[tuple[str, str, int], int]  # (group, topic, partition) -> lag


@pytest.fixture
def stack(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Stack]:
    stack = lean_stack(tmp_path, kafka_bootstrap)
    stack.config.metrics_ports = {s: free_port() for s in SERVICES}
    stack.start()
    yield stack
    stack.stop()


def kafka_view(servers: str) -> Lags:
    """Lag per group and partition from the broker alone: end offset - committed offset
    (the earliest offset where the group never committed, as the consumers start there)."""
    client = KafkaAdminClient(bootstrap_servers=servers.split(","))
    try:
        topics = sorted({t for wanted in GROUPS.values() for t in wanted})
        every = [
            TopicPartition(t["name"], p["partition_index"])
            for t in client.describe_topics(topics)
            for p in t["partitions"]
        ]
        ends = client.list_partition_offsets(dict.fromkeys(every, OffsetSpec.LATEST))
        starts = client.list_partition_offsets(dict.fromkeys(every, OffsetSpec.EARLIEST))
        committed = client.list_group_offsets(list(GROUPS))
    finally:
        client.close()
    lags: Lags = {}
    for group, wanted in GROUPS.items():
        for tp in (tp for tp in every if tp.topic in wanted):
            done = committed.get(group, {}).get(tp)
            start = done.offset if done is not None and done.offset >= 0 else starts[tp].offset
            lags[(group, tp.topic, tp.partition)] = max(0, ends[tp].offset - start)
    return lags


def page_view(stack: Stack) -> Lags | None:
    status = admin(stack, "GET", "review", "/v1/pipeline")
    if any(g["error"] for g in status["groups"]):
        return None  # the page's probe timed out this once (1 s bound): ask again
    return {
        (g["group"], p["topic"], p["partition"]): p["lag"]
        for g in status["groups"]
        for p in g["partitions"]
    }


def metrics_view(stack: Stack, service: str) -> Lags:
    url = f"http://127.0.0.1:{stack.config.metrics_ports[service]}/metrics"
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    return {
        (s.labels["group"], s.labels["topic"], int(s.labels["partition"])): int(s.value)
        for family in text_string_to_metric_families(text)
        if family.name == "inagara_consumer_lag"
        for s in family.samples
    }


def agreeing(stack: Stack, with_metrics: bool) -> tuple[Lags, Lags] | None:
    """(Kafka's view, the page's) when they agree, each read twice around the other so
    that nothing moved in between; None otherwise."""
    servers = stack.bootstrap_servers
    before = kafka_view(servers)
    page = page_view(stack)
    after = kafka_view(servers)
    if page is None or before != after or page != after:
        return None
    if with_metrics:
        for service in SERVICES:
            for key, lag in metrics_view(stack, service).items():
                if after.get(key) != lag:
                    return None
    return after, page


def test_page_and_metrics_lag_match_the_brokers_view_of_the_groups(stack: Stack) -> None:
    key = stack.create_demo_agency()
    first = submit_many(stack, key, 6, threads=3)
    eventually(lambda: deliveries_done(stack)[0] >= 2 * len(first), 90, "first deliveries")

    kafka, page = eventually(lambda: agreeing(stack, with_metrics=True), 60, "settled views agree")
    assert set(page) == set(kafka), "the page lists every partition of every group's topics"
    gauges = {k for s in SERVICES for k in metrics_view(stack, s)}
    assert {g for g, _, _ in gauges} == set(GROUPS), "each worker reports its group's lag"

    stack.kill("notification-worker", sig=15)  # SIGTERM: commits what it finished, then stops
    more = submit_many(stack, key, 5, threads=2)
    ids = [s.id for s in more]
    eventually(lambda: len(review_status_of(stack, ids)) == len(ids), 60, "review took them")

    def notification_behind(views: tuple[Lags, Lags]) -> int:
        return sum(lag for (g, _, _), lag in views[0].items() if g == "inagara.notification")

    def agreeing_and_behind() -> tuple[Lags, Lags] | None:
        # Review has the five, but its relay may not have published every event about
        # them yet: wait for views that agree once the stopped group is behind by all five.
        views = agreeing(stack, with_metrics=False)
        return views if views is not None and notification_behind(views) >= len(more) else None

    kafka, page = eventually(
        agreeing_and_behind, 60, "views agree, the stopped notification worker's group behind"
    )
    assert page == kafka
