"""The review worker: takes proposal events into review, relays its outbox, sends reminders."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Engine

from services.review import store
from services.review.config import ReviewSettings
from services.review.consumers import HANDLERS
from services.review.migrations import SCHEMA
from services.review.usecases.exports import build_pending, purge_expired
from services.review.usecases.objections import erase_due_objectors
from services.review.usecases.reminders import send_due_reminders
from services.review.usecases.schedule import send_due_appointment_reminders
from services.review.usecases.work import work_factory
from shared.events.catalog import PROPOSALS
from shared.events.consumer import ConsumerConfig
from shared.events.runner import WorkerPlan, serve
from shared.events.wakeup import Wakeup
from shared.platform.db import scrub_freed_space
from shared.platform.settings import Settings

log = logging.getLogger(__name__)
CONSUMERS = [(ConsumerConfig(group_id="inagara.review", topics=(PROPOSALS,)), HANDLERS)]


def reminder_loop(
    review: ReviewSettings, wakeup: Wakeup | None = None
) -> Callable[[Engine], Callable[[threading.Event], None]]:
    """The scheduler: every interval, remind reviewers whose deadline is near, and the
    people of a presentation or field visit due within a day (and wake the relay when a
    reminder was stored)."""

    def make(engine: Engine) -> Callable[[threading.Event], None]:
        work = work_factory(engine, wakeup)

        def run(stop: threading.Event) -> None:
            while not stop.is_set():
                try:
                    sent = send_due_reminders(review.reminder_before_hours * 3600, work)
                    if sent:
                        log.info("sent %d review reminders", sent)
                    due = send_due_appointment_reminders(work)
                    if due:
                        log.info("sent %d presentation and visit reminders", due)
                    erased = erase_due_objectors(
                        datetime.now(UTC), work(), review.subject_match_key
                    )
                    if erased:
                        scrub_freed_space(engine)  # no earlier copy of the rows in the files
                        log.info("erased the objector of %d objections on request", erased)
                except Exception:
                    # A database hiccup must not stop the worker; the next round retries.
                    log.exception("reminder round failed; retrying next interval")
                stop.wait(review.reminder_check_interval_s)

        return run

    return make


def export_loop(review: ReviewSettings) -> Callable[[Engine], Callable[[threading.Event], None]]:
    """Builds the CSV exports the secretariat asked for, and deletes the expired ones."""

    def make(engine: Engine) -> Callable[[threading.Event], None]:
        work = work_factory(engine)

        def run(stop: threading.Event) -> None:
            while not stop.is_set():
                try:
                    purge_expired(review.export_ttl_hours, work)
                    built = build_pending(work)
                    if built:
                        log.info("built %d exports", built)
                except Exception:
                    # A database hiccup must not stop the worker; the next round retries.
                    log.exception("export round failed; retrying next interval")
                stop.wait(review.export_check_interval_s)

        return run

    return make


def main(settings: Settings | None = None, review: ReviewSettings | None = None) -> int:
    review = review or ReviewSettings.from_env()
    wakeup = Wakeup()
    return serve(
        WorkerPlan(
            settings=settings or Settings.from_env("review"),
            schema=SCHEMA,
            outbox=store.outbox,
            inbox=store.inbox,
            consumers=CONSUMERS,
            extra_loops={
                "review-reminders": reminder_loop(review, wakeup),
                "review-exports": export_loop(review),
            },
            wakeup=wakeup,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
