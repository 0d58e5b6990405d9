"""The pipeline status: proposals per stage, consumer lag, outbox backlogs, recent dead letters.

The probes are a port (``Probes``): ``services.review.adapters.pipeline_probes`` reads
the real broker and the services' /metrics. They run side by side so the page
answers within about one probe timeout, whatever is down.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sqlalchemy import Engine

from services.review.domain.pipeline import (
    BrokerUnreachable,
    DeadLetterTail,
    GroupLag,
    OutboxState,
    PipelineStatus,
    StageCount,
)
from services.review.store import outbox
from services.review.usecases.work import ReviewWork
from shared.events.catalog import NOTIFICATIONS, PROPOSALS, REVIEWS, TOPICS, dead_letter_topic
from shared.platform.metrics import outbox_backlog

# The workers' consumer groups (services/*/worker.py) and what each reads.
GROUPS: dict[str, tuple[str, ...]] = {
    "inagara.submission": (REVIEWS, NOTIFICATIONS),  # the answers to an export
    "inagara.review": (PROPOSALS,),
    "inagara.notification": (PROPOSALS, REVIEWS),
    "inagara.results": (REVIEWS,),  # the public record, a stage that only reads
}
DEAD_LETTER_TOPICS = tuple(dead_letter_topic(t) for t in TOPICS)


class Probes(Protocol):
    def group_lags(self, groups: Mapping[str, tuple[str, ...]]) -> tuple[GroupLag, ...]: ...

    def dead_letters(self, topics: tuple[str, ...], count: int) -> tuple[DeadLetterTail, ...]: ...

    def outbox(self, service: str, base_url: str) -> OutboxState: ...


@dataclass(frozen=True)
class Sources:
    """What to look at: tests pass their own groups and topics."""

    services: tuple[tuple[str, str], ...]  # (service, base URL) of the others' web processes
    groups: tuple[tuple[str, tuple[str, ...]], ...] = tuple(GROUPS.items())
    dead_letter_topics: tuple[str, ...] = DEAD_LETTER_TOPICS
    dead_letter_count: int = 10


T = TypeVar("T")


def pipeline_status(probes: Probes, sources: Sources, uow: ReviewWork) -> PipelineStatus:
    """Everything the status page shows. Blocks for at most about one probe timeout."""
    started = time.monotonic()
    groups = dict(sources.groups)
    with ThreadPoolExecutor(max_workers=2 + len(sources.services)) as pool:
        lags = pool.submit(_or_error, lambda: probes.group_lags(groups))
        letters = pool.submit(
            _or_error,
            lambda: probes.dead_letters(sources.dead_letter_topics, sources.dead_letter_count),
        )
        others = [pool.submit(probes.outbox, name, url) for name, url in sources.services]
        with uow:
            stages = _stages(uow)
            engine = uow.conn.engine
        own = _own_outbox(engine)  # its own short read: a failure is shown, not raised
        found_lags, lag_error = lags.result()
        found_letters, letter_error = letters.result()
        outboxes = (own, *(f.result() for f in others))
    broker_error = lag_error or letter_error
    return PipelineStatus(
        stages=stages,
        groups=found_lags
        or tuple(GroupLag(g, t, error="broker unreachable") for g, t in groups.items()),
        outboxes=outboxes,
        dead_letters=found_letters
        or tuple(DeadLetterTail(t, error="broker unreachable") for t in sources.dead_letter_topics),
        broker_error=broker_error,
        checked_in_s=round(time.monotonic() - started, 3),
    )


def _or_error(probe: Callable[[], tuple[T, ...]]) -> tuple[tuple[T, ...], str]:
    try:
        return probe(), ""
    except Exception as exc:  # the page shows what failed; it never fails itself
        named = str(exc) if isinstance(exc, BrokerUnreachable) else f"{type(exc).__name__}: {exc}"
        return (), f"broker unreachable: {named}"


def _stages(uow: ReviewWork) -> tuple[StageCount, ...]:
    return tuple(StageCount(c, s, n) for c, s, n in uow.proposals.stage_counts())


def _own_outbox(engine: Engine) -> OutboxState:
    try:
        count, age = outbox_backlog(engine, outbox)
    except Exception as exc:
        return OutboxState("review", "database", error=f"{type(exc).__name__}: {exc}")
    return OutboxState("review", "database", backlog=count, oldest_unsent_age_s=round(age, 3))
