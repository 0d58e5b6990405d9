"""The notification worker: records deliveries from events and sends them."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from sqlalchemy import Engine

from services.notification import store
from services.notification.dispatcher import Dispatcher
from services.notification.handlers import HANDLERS
from services.notification.mailer import SmtpMailer
from shared.consumer import ConsumerConfig
from shared.events.catalog import PROPOSALS
from shared.runner import WorkerPlan, serve
from shared.settings import Settings

CONSUMERS = [(ConsumerConfig(group_id="inagara.notification", topics=(PROPOSALS,)), HANDLERS)]


def main(settings: Settings | None = None) -> int:
    settings = settings or Settings.from_env("notification")

    def dispatcher(engine: Engine) -> Callable[[threading.Event], None]:
        return Dispatcher(
            engine,
            SmtpMailer(settings),
            settings.mail_from,
            idle_wait_s=settings.poll_interval_ms / 1000,
        ).run

    return serve(
        WorkerPlan(
            settings=settings,
            metadata=store.metadata,
            outbox=store.outbox,
            inbox=store.inbox,
            consumers=CONSUMERS,
            extra_loops={"dispatcher": dispatcher},
        )
    )


if __name__ == "__main__":
    sys.exit(main())
