"""The notification service's unit of work: its stores on one transaction's connection."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine

from services.notification.store.agency_keys import AgencyKeyStore
from services.notification.store.deliveries import DeliveryStore
from services.notification.store.preferences import PreferenceStore
from services.notification.store.projection import ProjectionStore
from services.notification.store.rates import RateStore
from services.notification.store.tables import outbox
from services.notification.store.webhooks import WebhookStore
from shared.events.unit_of_work import UnitOfWork
from shared.events.wakeup import Wakeup


class NotificationWork(UnitOfWork):
    """Deliveries, the projection of proposals and assignments, preferences, send rates,
    the agencies' webhook endpoints and their API keys (as hashes)."""

    deliveries: DeliveryStore
    projection: ProjectionStore
    preferences: PreferenceStore
    rates: RateStore
    webhooks: WebhookStore
    agency_keys: AgencyKeyStore

    def _open(self, conn: Connection) -> None:
        self.deliveries = DeliveryStore(conn)
        self.projection = ProjectionStore(conn)
        self.preferences = PreferenceStore(conn)
        self.rates = RateStore(conn)
        self.webhooks = WebhookStore(conn)
        self.agency_keys = AgencyKeyStore(conn)


WorkFactory = Callable[[], NotificationWork]


def work_factory(engine: Engine, wakeup: Wakeup | None = None) -> WorkFactory:
    """A fresh unit of work per use case, on ``engine``, with the service's outbox; the
    relay is woken through ``wakeup`` when one commits events."""
    return lambda: NotificationWork(engine, outbox, wakeup)
