"""Runs a worker process's loops in threads until SIGTERM or SIGINT.

On a signal every loop is told to stop; each finishes its batch, commits and
returns. If one loop dies, the others are stopped too and the process exits
non-zero so that its supervisor restarts it.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import FrameType
from typing import TypeVar

from sqlalchemy import Engine, Table

from shared.events.connection import kafka_security
from shared.events.consumer import ConsumerConfig, EventConsumer, Handler
from shared.events.inbox import Dispatcher, Effect
from shared.events.producer import KafkaPublisher
from shared.events.relay import OutboxRelay
from shared.events.wakeup import Wakeup
from shared.platform import liveness
from shared.platform.backoff import Backoff, Retries
from shared.platform.db import make_engine
from shared.platform.logs import configure_logging
from shared.platform.metrics import OutboxCollector, serve_worker_metrics
from shared.platform.migrations import DatabaseSchema, ensure_current
from shared.platform.settings import Settings

log = logging.getLogger(__name__)

Loop = Callable[[threading.Event], None]


def install_stop_signals(stop: threading.Event) -> None:
    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s; finishing the current batch", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)


SHUTDOWN_GRACE_S = 20.0  # inside Kubernetes' 30 s: the loops commit and close, then exit


def run_loops(
    loops: Mapping[str, Loop],
    stop: threading.Event,
    grace_s: float = SHUTDOWN_GRACE_S,
    heartbeat_file: str = "",
) -> int:
    """Block until every loop returned; 0 if all stopped cleanly, 1 if one failed or
    did not stop within ``grace_s`` of the stop (one deadline for all of them).

    Meanwhile ``heartbeat_file`` (when given) is touched while every loop lives
    and beats (``shared.platform.liveness``).
    """
    failed: list[str] = []

    def _guard(name: str, loop: Loop) -> None:
        try:
            loop(stop)
        except Exception:
            log.exception("%s stopped with an error", name)
            failed.append(name)
            stop.set()

    threads = [
        threading.Thread(target=_guard, args=(name, loop), name=name, daemon=True)
        for name, loop in loops.items()
    ]
    for thread in threads:
        thread.start()
    while not stop.is_set() and any(t.is_alive() for t in threads):
        if heartbeat_file and all(t.is_alive() for t in threads):
            hung = liveness.stale(loops, liveness.STALE_S)
            if hung:
                log.warning("no progress from %s; the heartbeat stops", ", ".join(hung))
            else:
                liveness.touch(heartbeat_file)
        stop.wait(0.5)
    stop.set()
    deadline = time.monotonic() + grace_s
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    late = [t.name for t in threads if t.is_alive()]
    if late:
        log.error("%s did not stop within %.0fs of the stop; exiting", ", ".join(late), grace_s)
    return 1 if failed or late else 0


T = TypeVar("T")
CONNECT_BACKOFF = Backoff(base_s=0.2, max_s=5.0, jitter=0.5)
E = TypeVar("E")


def connect_with_retry(factory: Callable[[], T], stop: threading.Event, what: str) -> T | None:
    """Call ``factory`` until it succeeds (backing off up to 5 s) or ``stop`` is set.

    A broker that is down when a worker starts is waited for, not fatal.
    """
    retries = Retries(CONNECT_BACKOFF)
    while not stop.is_set():
        liveness.beat()  # waiting for a broker that is down is not being hung
        try:
            return factory()
        except Exception as exc:
            delay = retries.failed()
            log.warning("cannot connect %s yet (%r); retrying in %.1fs", what, exc, delay)
            stop.wait(delay)
    return None


@dataclass(frozen=True)
class WorkerPlan:
    """What one service's worker process runs."""

    settings: Settings
    schema: DatabaseSchema
    outbox: Table | None = None
    inbox: Table | None = None
    consumers: Sequence[tuple[ConsumerConfig, Mapping[str, Effect]]] = ()
    extra_loops: Mapping[str, Callable[[Engine], Loop]] = field(default_factory=dict)
    # Notified after each handled event commits: wakes the relay (and any extra
    # loop that waits on it) instead of leaving the new rows to the next poll.
    wakeup: Wakeup = field(default_factory=Wakeup)


def serve(plan: WorkerPlan) -> int:
    """The composition root of a worker process: runs until SIGTERM; returns the exit code."""
    settings = plan.settings
    configure_logging(settings.service, settings.log_level)
    engine = make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    ensure_current(plan.schema, engine, settings.database_url, settings.auto_migrate)
    if plan.outbox is not None:
        serve_worker_metrics(
            settings.metrics_port, [OutboxCollector(settings.service, engine, plan.outbox)]
        )
    else:
        serve_worker_metrics(settings.metrics_port, [])
    stop = threading.Event()
    install_stop_signals(stop)
    publisher = connect_with_retry(
        lambda: KafkaPublisher(settings.kafka_bootstrap_servers, **kafka_security(settings)),
        stop,
        "the producer",
    )
    if publisher is None:
        return 0
    loops: dict[str, Loop] = {}
    if plan.outbox is not None:
        relay = OutboxRelay(
            engine,
            plan.outbox,
            publisher,
            idle_wait_s=settings.poll_interval_ms / 1000,
            service=settings.service,
            wakeup=plan.wakeup.waiter(),
        )
        loops["outbox-relay"] = relay.run
    for config, handlers in plan.consumers:
        assert plan.inbox is not None, "a consuming service needs an inbox"
        effects = Dispatcher(engine, plan.inbox, dict(handlers))
        loops[f"consumer-{config.group_id}"] = _consumer_loop(
            settings, config, _then(effects.handle_all, plan.wakeup.notify), publisher
        )
    for name, make_loop in plan.extra_loops.items():
        loops[name] = make_loop(engine)
    try:
        return run_loops(loops, stop, heartbeat_file=settings.heartbeat_file)
    finally:
        publisher.close()
        engine.dispose()


def _then(handle: Callable[[E], None], after: Callable[[], None]) -> Callable[[E], None]:
    """``handle``, then ``after`` once the handler's transaction has committed."""

    def run(events: E) -> None:
        handle(events)
        after()

    return run


def _consumer_loop(
    settings: Settings, config: ConsumerConfig, handler: Handler, publisher: KafkaPublisher
) -> Loop:
    config = replace(config, commit_interval_s=settings.commit_interval_ms / 1000)

    def run(stop: threading.Event) -> None:
        consumer = connect_with_retry(
            lambda: EventConsumer(settings, config, handler, publisher),
            stop,
            f"consumer {config.group_id}",
        )
        if consumer is not None:
            consumer.run(stop)

    return run
