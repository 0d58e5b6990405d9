"""The services the tools work on, imported by name: the one list of them.

Importing a service's app or worker connects to nothing (STYLE 2); each tool
takes what it needs from here and is otherwise generic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from flask import Flask

from services.notification import app as notification_app
from services.notification import migrations as notification_migrations
from services.notification import worker as notification_worker
from services.review import app as review_app
from services.review import migrations as review_migrations
from services.review import worker as review_worker
from services.submission import app as submission_app
from services.submission import migrations as submission_migrations
from services.submission import worker as submission_worker
from shared.events.catalog import NOTIFICATIONS, PROPOSALS, REVIEWS
from shared.events.consumer import ConsumerConfig
from shared.platform.migrations import DatabaseSchema
from shared.settings import Settings

Consumers = Sequence[tuple[ConsumerConfig, Mapping[str, object]]]


@dataclass(frozen=True)
class Service:
    name: str
    publishes: str  # each service publishes on its own topic (DESIGN: Events)
    consumers: Consumers
    create_app: Callable[[Settings], Flask]
    schema: DatabaseSchema

    def document_app(self) -> Flask:
        """The web app on an in-memory database, for its OpenAPI document."""
        return self.create_app(Settings(service=self.name, database_url="sqlite://"))


SERVICES: tuple[Service, ...] = (
    Service(
        "submission",
        PROPOSALS,
        submission_worker.CONSUMERS,
        submission_app.create_app,
        submission_migrations.SCHEMA,
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
    ),
)
NAMES = tuple(service.name for service in SERVICES)


def by_name(name: str) -> Service:
    """The service called ``name``; raises ``KeyError`` for another name."""
    return {service.name: service for service in SERVICES}[name]
