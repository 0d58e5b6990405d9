"""A channel's send rate limit holds across worker replicas (docs/OPERATE.md, "How each stage
scales").

Two senders, each with its own engine and its own limiter as two notification-worker
replicas would have, drain one backlog of SMS to the local gateway (deploy/local/
smsgateway.py). With the shared limit (one token bucket row per channel in the notification
database) the gateway's arrival times conform to one bucket of the configured rate; with a
bucket per process (what the workers had before) they do not, which shows the check can fail.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, func, select, text

from deploy.local.smsgateway import SmsGatewayServer
from services.notification import store
from services.notification.adapters.clock import FakeClock, SystemClock
from services.notification.adapters.sms import WebhookGateway
from services.notification.consumers import handlers_for
from services.notification.domain import PENDING, SENT, SMS
from services.notification.domain.schedule import TokenBucket
from services.notification.store.tables import deliveries
from services.notification.usecases.dispatch import (
    Dispatcher,
    Policy,
    RateLimit,
    SharedRateLimit,
    SmsTransport,
)
from services.notification.usecases.recording import Recorder
from services.notification.usecases.work import work_factory
from shared.events.inbox import dispatcher as inbox_dispatcher
from shared.platform.db import create_schema, make_engine
from tests.unit.notification import factories
from tests.unit.schema_files import REPO_ROOT

TOKEN = "gateway-token"
RATE = 4.0  # SMS a second, for the whole deployment
CAPACITY = RATE  # the burst a bucket allows (TokenBucket's default: the rate)
MESSAGES = 24
REPLICAS = 2
JITTER_S = 0.3  # worth 1.2 messages at RATE; a bucket per replica exceeds by about CAPACITY
# A long past noon in Jakarta: every delivery is due, and no quiet hours apply.
RECORDED_AT = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[SmsGatewayServer]:
    with SmsGatewayServer(directory=tmp_path / "sms", token=TOKEN) as server:
        yield server


def _record_backlog(engine: Engine) -> int:
    """Record proposals until MESSAGES SMS deliveries are due; each proposal has an innovator
    with a number of their own (a number gets a few instant messages a day at most)."""
    handle = inbox_dispatcher(
        engine, store.inbox, handlers_for(Recorder(sms=True, clock=FakeClock(RECORDED_AT)))
    )
    due = (
        select(func.count())
        .select_from(deliveries)
        .where(
            deliveries.c.channel == SMS,
            deliveries.c.status == PENDING,
            deliveries.c.next_attempt_at <= datetime.now(UTC),
        )
    )
    for n in itertools.count(1):
        with engine.connect() as conn:
            recorded = int(conn.execute(due).scalar_one())
        if recorded >= MESSAGES:
            return recorded
        assert n <= 4 * MESSAGES, f"only {recorded} SMS due after {n} proposals"
        innovator = factories.innovator(n, phone=f"0813{n:08d}")
        handle(factories.event("proposal.submitted", factories.submitted(innovators=[innovator])))
    raise AssertionError("unreachable")


def excess(arrivals: list[float], rate: float, capacity: float) -> float:
    """How far the arrivals exceed one token bucket: the largest (messages in a window) -
    (capacity + rate x window length) over all windows; <= 0 conforms. Each window is taken
    JITTER_S longer: the time from taking a token to the gateway stamping the request varies
    (a new connection, a busy machine), which may bring two sends closer than their tokens."""
    times = sorted(arrivals)
    worst = float("-inf")
    for i, start in enumerate(times):
        for j in range(i, len(times)):
            window = times[j] - start + JITTER_S
            worst = max(worst, (j - i + 1) - (capacity + rate * window))
    return worst


def _run_replicas(
    database_url: str, gateway: SmsGatewayServer, limiter: Callable[[Engine], RateLimit]
) -> list[float]:
    """Two senders, each with its own engine and limiter; returns the gateway's arrival times."""
    engines = [make_engine(database_url) for _ in range(REPLICAS)]
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=Dispatcher(
                engine,
                SmsTransport(WebhookGateway(gateway.webhook_url, TOKEN, "INAGARA", 5.0)),
                Policy(rate_per_s=RATE),
                clock=SystemClock(),
                bucket=limiter(engine),
            ).run,
            args=(stop,),
            daemon=True,
        )
        for engine in engines
    ]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(gateway.gateway.messages) < MESSAGES:
            assert time.monotonic() < deadline, (
                f"{len(gateway.gateway.messages)} of {MESSAGES} SMS sent within 60 s"
            )
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        for engine in engines:
            engine.dispose()
    return [message.received_at for message in gateway.gateway.messages]


def test_two_replicas_together_stay_within_the_channels_rate(
    database_url: str, gateway: SmsGatewayServer
) -> None:
    engine = make_engine(database_url)
    try:
        create_schema(engine, store.metadata)
        recorded = _record_backlog(engine)
    finally:
        engine.dispose()

    arrivals = _run_replicas(
        database_url,
        gateway,
        lambda engine: SharedRateLimit(work_factory(engine), SMS, RATE, CAPACITY),
    )

    assert len(arrivals) >= MESSAGES
    assert len({m.reference for m in gateway.gateway.messages}) == len(arrivals) <= recorded
    assert excess(arrivals, RATE, CAPACITY) <= 0, (
        f"{len(arrivals)} SMS in {max(arrivals) - min(arrivals):.2f} s exceed {RATE}/s "
        f"with bursts of {CAPACITY}"
    )
    # Not slower than the limit either: the backlog went out at about the rate.
    assert max(arrivals) - min(arrivals) <= (len(arrivals) - CAPACITY) / RATE + 3


def test_a_bucket_per_replica_would_exceed_the_rate(
    database_url: str, gateway: SmsGatewayServer
) -> None:
    """The check above can fail: each replica with its own bucket sends at the rate each."""
    engine = make_engine(database_url)
    try:
        create_schema(engine, store.metadata)
        _record_backlog(engine)
    finally:
        engine.dispose()

    arrivals = _run_replicas(
        database_url,
        gateway,
        lambda _engine: TokenBucket(RATE, CAPACITY, now=time.monotonic()),
    )

    assert excess(arrivals, RATE, CAPACITY) > 1


@pytest.mark.parametrize("database_factory", ["postgresql"], indirect=True)
def test_the_keda_backlog_query_counts_the_deliveries_due(
    database_factory: Callable[[], str],
) -> None:
    """The notification-worker ScaledObject's postgresql trigger, run on the real schema."""
    worker = REPO_ROOT / "deploy" / "k8s" / "base" / "notification-worker.yaml"
    (scaled,) = [d for d in yaml.safe_load_all(worker.read_text()) if d["kind"] == "ScaledObject"]
    (trigger,) = [t for t in scaled["spec"]["triggers"] if t["type"] == "postgresql"]
    engine = make_engine(database_factory())
    try:
        create_schema(engine, store.metadata)
        recorded = _record_backlog(engine)
        query = text(trigger["metadata"]["query"])
        with engine.connect() as conn:
            due = int(conn.execute(query).scalar_one())
            pending = int(
                conn.execute(
                    select(func.count())
                    .select_from(deliveries)
                    .where(deliveries.c.status == PENDING)
                ).scalar_one()
            )
        # Every recorded delivery (SMS and email) is pending and long due.
        assert due == pending >= recorded
        with engine.begin() as conn:
            conn.execute(deliveries.update().values(status=SENT))
        with engine.connect() as conn:
            assert int(conn.execute(query).scalar_one()) == 0
    finally:
        engine.dispose()
