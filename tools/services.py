"""The services the tools work on, imported by name: the one list of them.

Importing a service's app or worker connects to nothing (STYLE 2); each tool
takes what it needs from here and is otherwise generic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from flask import Flask

from services.notification import app as notification_app
from services.notification import migrations as notification_migrations
from services.notification import worker as notification_worker
from services.notification.config import NotificationSettings
from services.results import app as results_app
from services.results import migrations as results_migrations
from services.results import worker as results_worker
from services.results.config import ResultsSettings
from services.review import app as review_app
from services.review import migrations as review_migrations
from services.review import worker as review_worker
from services.submission import app as submission_app
from services.submission import migrations as submission_migrations
from services.submission import worker as submission_worker
from services.submission.config import SubmissionSettings
from shared.events.catalog import NOTIFICATIONS, PROPOSALS, REVIEWS
from shared.events.consumer import ConsumerConfig
from shared.platform.migrations import DatabaseSchema
from shared.platform.settings import Settings

Consumers = Sequence[tuple[ConsumerConfig, Mapping[str, object]]]


@dataclass(frozen=True)
class Service:
    name: str
    publishes: str  # each service publishes on its own topic (DESIGN: Events)
    consumers: Consumers
    create_app: Callable[[Settings], Flask]
    schema: DatabaseSchema
    settings: type[Settings] = Settings  # the base, or the service's own subclass (config.py)

    def settings_from(self, environ: Mapping[str, str] | None = None) -> Settings:
        """What the service's processes read from ``environ`` (default ``os.environ``)."""
        return self.settings.from_env(self.name, environ)

    def settings_for(self, **given: Any) -> Settings:
        """The service's settings built in code; ``given`` fields only it has are dropped."""
        known = {f.name for f in fields(self.settings)}
        return self.settings(service=self.name, **{k: v for k, v in given.items() if k in known})

    def document_app(self) -> Flask:
        """The web app on an in-memory database, for its OpenAPI document."""
        return self.create_app(self.settings_for(database_url="sqlite://"))


SERVICES: tuple[Service, ...] = (
    Service(
        "submission",
        PROPOSALS,
        submission_worker.CONSUMERS,
        submission_app.create_app,
        submission_migrations.SCHEMA,
        SubmissionSettings,
    ),
    Service(
        "review", REVIEWS, review_worker.CONSUMERS, review_app.create_app, review_migrations.SCHEMA
    ),
    Service(
        "notification",
        NOTIFICATIONS,
        notification_worker.CONSUMERS,
        notification_app.create_app,
        notification_migrations.SCHEMA,
        NotificationSettings,
    ),
    # Read-only: it publishes nothing (its topic names none), it only consumes review events.
    Service(
        "results",
        "",
        results_worker.CONSUMERS,
        results_app.create_app,
        results_migrations.SCHEMA,
        ResultsSettings,
    ),
)
NAMES = tuple(service.name for service in SERVICES)


def by_name(name: str) -> Service:
    """The service called ``name``; raises ``KeyError`` for another name."""
    return {service.name: service for service in SERVICES}[name]
