"""The submission worker: relays the outbox to Kafka, takes the review service's
facts into each proposal's timeline and status, and the notification service's
disabled webhook endpoints into their state."""

from __future__ import annotations

import sys

from services.submission import store
from services.submission.config import SubmissionSettings
from services.submission.consumers import HANDLERS
from services.submission.migrations import SCHEMA
from shared.events.catalog import NOTIFICATIONS, REVIEWS
from shared.events.consumer import ConsumerConfig
from shared.events.runner import WorkerPlan, serve

CONSUMERS = [
    (ConsumerConfig(group_id="inagara.submission", topics=(REVIEWS, NOTIFICATIONS)), HANDLERS)
]


def main(settings: SubmissionSettings | None = None) -> int:
    return serve(
        WorkerPlan(
            settings=settings or SubmissionSettings.from_env("submission"),
            schema=SCHEMA,
            outbox=store.outbox,
            inbox=store.inbox,
            consumers=CONSUMERS,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
