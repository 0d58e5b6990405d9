"""The review worker: takes proposal events into review, relays its outbox."""

from __future__ import annotations

import sys

from services.review import store
from services.review.handlers import HANDLERS
from shared.consumer import ConsumerConfig
from shared.events.catalog import PROPOSALS
from shared.runner import WorkerPlan, serve
from shared.settings import Settings

CONSUMERS = [(ConsumerConfig(group_id="inagara.review", topics=(PROPOSALS,)), HANDLERS)]


def main(settings: Settings | None = None) -> int:
    return serve(
        WorkerPlan(
            settings=settings or Settings.from_env("review"),
            metadata=store.metadata,
            outbox=store.outbox,
            inbox=store.inbox,
            consumers=CONSUMERS,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
