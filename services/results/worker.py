"""The results worker: one consumer of the review topic that projects the published
shortlists and results, exactly once per event (the inbox). No outbox, no relay: the
service publishes nothing."""

from __future__ import annotations

import sys

from services.results.config import ResultsConfig, ResultsSettings
from services.results.consumers import handlers
from services.results.migrations import SCHEMA
from services.results.store import inbox
from shared.events.consumer import ConsumerConfig
from shared.events.runner import WorkerPlan, serve

# What the worker consumes by default (read by the AsyncAPI document).
CONSUMERS = [
    (
        ConsumerConfig(group_id=ResultsConfig().consumer_group, topics=ResultsConfig().topics),
        handlers(),
    )
]


def main(settings: ResultsSettings | None = None, config: ResultsConfig | None = None) -> int:
    settings = settings or ResultsSettings.from_env("results")
    config = config or ResultsConfig.from_env()
    return serve(
        WorkerPlan(
            settings=settings,
            schema=SCHEMA,
            inbox=inbox,
            consumers=[
                (
                    ConsumerConfig(group_id=config.consumer_group, topics=config.topics),
                    handlers(),
                )
            ],
        )
    )


if __name__ == "__main__":
    sys.exit(main())
