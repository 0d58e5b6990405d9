"""What the secretariat's operators and recipients ask over HTTP: look at deliveries,
send a failed one again, read and change preferences, unsubscribe."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from services.notification.domain.messages import Preference
from services.notification.usecases.work import NotificationWork


class NoSuchDelivery(Exception):
    """No delivery has that id."""


class NotFailed(Exception):
    """Only a failed delivery can be sent again."""


@dataclass(frozen=True)
class ListDeliveries:
    filters: dict[str, str | None]  # proposal_id, recipient, status, channel
    limit: int
    offset: int


def list_deliveries(query: ListDeliveries, uow: NotificationWork) -> list[dict[str, Any]]:
    """Deliveries, oldest first, up to ``limit`` from ``offset``."""
    with uow:
        return uow.deliveries.page(query.filters, query.limit, query.offset)


def get_delivery(delivery_id: str, uow: NotificationWork) -> dict[str, Any]:
    """One delivery with its text and attempt log; raises ``NoSuchDelivery``."""
    with uow:
        found = uow.deliveries.find(delivery_id)
    if found is None:
        raise NoSuchDelivery(delivery_id)
    return found


def retry_delivery(delivery_id: str, now: datetime, uow: NotificationWork) -> dict[str, Any]:
    """Make a failed delivery due again with a fresh budget of attempts; returns it.

    Raises ``NoSuchDelivery``, or ``NotFailed`` (nothing changed) when it has not failed."""
    with uow:
        if uow.deliveries.find(delivery_id) is None:
            raise NoSuchDelivery(delivery_id)
        if not uow.deliveries.retry_failed(delivery_id, now):
            raise NotFailed(delivery_id)
        found = uow.deliveries.find(delivery_id)
    assert found is not None
    return found


def get_preference(address: str, uow: NotificationWork) -> tuple[Preference, bool]:
    """The address's preferences, and whether they were stored (else the defaults)."""
    with uow:
        found = uow.preferences.find(address)
    return (found, True) if found is not None else (Preference(address), False)


def save_preference(preference: Preference, uow: NotificationWork) -> None:
    """Replace the preferences of ``preference.address``."""
    with uow:
        uow.preferences.save(preference)


def unsubscribe(address: str, uow: NotificationWork) -> None:
    """No more non-essential email to ``address``; its other preferences stay.

    Remembered by the address's hash (``suppressions``); a preference row is updated
    when the address has one, never made: a link clicked after the person was erased
    stores nothing that names them (docs/PRIVACY.md: Consent)."""
    with uow:
        uow.preferences.suppress([address], datetime.now(UTC))
        current = uow.preferences.rows([address]).get(address)
        if current is not None:
            uow.preferences.save(replace(current, unsubscribed=True))
