"""The submission worker: relays the outbox to Kafka, takes the review service's
facts into each proposal's timeline and status, and the notification service's
disabled webhook endpoints into their state; runs the retention job and the erasures
announced to the person first (docs/PRIVACY.md)."""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from services.submission import store
from services.submission.adapters.blobs import blob_store
from services.submission.config import SubmissionSettings
from services.submission.consumers import HANDLERS
from services.submission.domain.retention import RetentionPolicy, parse_overrides
from services.submission.migrations import SCHEMA
from services.submission.usecases.reminders import remind_participation
from services.submission.usecases.retention import Retained, apply_retention
from services.submission.usecases.subjects import erase_due
from services.submission.usecases.work import SubmissionWork
from shared.events.catalog import NOTIFICATIONS, REVIEWS
from shared.events.consumer import ConsumerConfig
from shared.events.runner import Loop, WorkerPlan, serve
from shared.events.wakeup import Wakeup
from shared.platform.db import scrub_freed_space
from shared.platform.metrics import RETENTION_EVIDENCE, RETENTION_PROPOSALS, RETENTION_SUBJECTS

log = logging.getLogger(__name__)
CONSUMERS = [
    (ConsumerConfig(group_id="inagara.submission", topics=(REVIEWS, NOTIFICATIONS)), HANDLERS)
]


def retention_loop(
    settings: SubmissionSettings, wakeup: Wakeup | None = None
) -> Callable[[Engine], Loop]:
    """Every ``PRIVACY_RETENTION_INTERVAL_S``, one round of the retention job (on one
    worker at a time), reported in the log, the metrics and ``privacy_requests``."""
    policy = RetentionPolicy(
        settings.privacy_retention_days, parse_overrides(settings.privacy_retention_cycles)
    )
    holder = f"{socket.gethostname()}:{os.getpid()}"

    def make(engine: Engine) -> Loop:
        blobs = blob_store(settings)  # the evidence of erased proposals goes too

        def work() -> SubmissionWork:
            return SubmissionWork(engine, store.outbox, wakeup)

        def run(stop: threading.Event) -> None:
            while not stop.is_set():
                try:
                    retained = apply_retention(policy, holder, work, blobs=blobs)
                    report(retained)
                    if retained:
                        scrub_freed_space(engine)  # no earlier copy of the rows in the files
                except Exception:
                    # A database hiccup must not stop the worker; the next round retries.
                    log.exception("retention round failed; retrying next interval")
                stop.wait(settings.privacy_retention_interval_s)

        return run

    return make


# How often the worker erases the people whose notice period is over.
ERASURE_CHECK_S = 60.0


def erasure_loop(wakeup: Wakeup | None = None) -> Callable[[Engine], Loop]:
    """Erase the people told by email whose notice period is over (``ERASURE_NOTICE_HOURS``),
    each once across workers."""

    def make(engine: Engine) -> Loop:
        def work() -> SubmissionWork:
            return SubmissionWork(engine, store.outbox, wakeup)

        def run(stop: threading.Event) -> None:
            while not stop.is_set():
                try:
                    erased = erase_due(work)
                    if erased:
                        log.info("erased %d subjects after their notice", len(erased))
                        scrub_freed_space(engine)
                except Exception:
                    # A database hiccup must not stop the worker; the next round retries.
                    log.exception("erasure round failed; retrying next interval")
                stop.wait(ERASURE_CHECK_S)

        return run

    return make


# How often the worker looks for agencies to remind before a window closes.
REMINDER_CHECK_S = 300.0


def reminder_loop(
    settings: SubmissionSettings, wakeup: Wakeup | None = None
) -> Callable[[Engine], Loop]:
    """Remind the agencies still at zero before a cycle with a minimum per agency closes
    (``PARTICIPATION_REMINDER_HOURS``), each once per cycle across workers."""

    def make(engine: Engine) -> Loop:
        def run(stop: threading.Event) -> None:
            while not stop.is_set():
                try:
                    raised = remind_participation(
                        datetime.now(UTC),
                        settings.participation_reminder_hours,
                        SubmissionWork(engine, store.outbox, wakeup),
                    )
                    if raised:
                        log.info("reminded %d agencies still at zero", raised)
                except Exception:
                    # A database hiccup must not stop the worker; the next round retries.
                    log.exception("participation reminder round failed; retrying later")
                stop.wait(REMINDER_CHECK_S)

        return run

    return make


def report(retained: list[Retained] | None) -> None:
    if not retained:
        return
    outcomes = Counter(r.outcome for r in retained)
    subjects = sum(len(r.subjects_erased) for r in retained)
    files = sum(r.evidence_deleted for r in retained)
    for outcome, n in outcomes.items():
        RETENTION_PROPOSALS.labels(outcome=outcome).inc(n)
    RETENTION_SUBJECTS.labels(service="submission").inc(subjects)
    RETENTION_EVIDENCE.labels(service="submission").inc(files)
    cycles = sorted({r.cycle_id for r in retained})
    log.info(
        "retention: cycles %s: %d proposals erased, %d minimised (awarded), %d subjects "
        "erased, %d evidence files deleted",
        ", ".join(cycles),
        outcomes.get("erased", 0),
        outcomes.get("minimised", 0),
        subjects,
        files,
    )


def main(settings: SubmissionSettings | None = None) -> int:
    settings = settings or SubmissionSettings.from_env("submission")
    wakeup = Wakeup()
    loops: dict[str, Callable[[Engine], Loop]] = {"privacy-erasures": erasure_loop(wakeup)}
    if settings.privacy_retention_interval_s > 0:
        loops["privacy-retention"] = retention_loop(settings, wakeup)
    if settings.participation_reminder_hours > 0:
        loops["participation-reminders"] = reminder_loop(settings, wakeup)
    return serve(
        WorkerPlan(
            settings=settings,
            schema=SCHEMA,
            outbox=store.outbox,
            inbox=store.inbox,
            consumers=CONSUMERS,
            extra_loops=loops,
            wakeup=wakeup,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
