"""The review worker: takes proposal events into review, relays its outbox, sends reminders."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

from sqlalchemy import Engine

from services.review import store
from services.review.config import ReviewSettings
from services.review.consumers import HANDLERS
from services.review.migrations import SCHEMA
from services.review.usecases.reminders import send_due_reminders
from shared.events.catalog import PROPOSALS
from shared.events.consumer import ConsumerConfig
from shared.events.runner import WorkerPlan, serve
from shared.settings import Settings

log = logging.getLogger(__name__)
CONSUMERS = [(ConsumerConfig(group_id="inagara.review", topics=(PROPOSALS,)), HANDLERS)]


def reminder_loop(review: ReviewSettings) -> Callable[[Engine], Callable[[threading.Event], None]]:
    """The scheduler: every interval, remind reviewers whose deadline is near."""

    def make(engine: Engine) -> Callable[[threading.Event], None]:
        def run(stop: threading.Event) -> None:
            while not stop.is_set():
                try:
                    sent = send_due_reminders(engine, review.reminder_before_hours * 3600)
                    if sent:
                        log.info("sent %d review reminders", sent)
                except Exception:
                    # A database hiccup must not stop the worker; the next round retries.
                    log.exception("reminder round failed; retrying next interval")
                stop.wait(review.reminder_check_interval_s)

        return run

    return make


def main(settings: Settings | None = None, review: ReviewSettings | None = None) -> int:
    review = review or ReviewSettings.from_env()
    return serve(
        WorkerPlan(
            settings=settings or Settings.from_env("review"),
            schema=SCHEMA,
            outbox=store.outbox,
            inbox=store.inbox,
            consumers=CONSUMERS,
            extra_loops={"review-reminders": reminder_loop(review)},
        )
    )


if __name__ == "__main__":
    sys.exit(main())
