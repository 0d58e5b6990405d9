"""The submission worker: relays the outbox to Kafka."""

from __future__ import annotations

import sys

from services.submission import store
from shared.runner import WorkerPlan, serve
from shared.settings import Settings


def main(settings: Settings | None = None) -> int:
    return serve(
        WorkerPlan(
            settings=settings or Settings.from_env("submission"),
            metadata=store.metadata,
            outbox=store.outbox,
            inbox=store.inbox,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
