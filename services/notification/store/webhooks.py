"""The agencies' webhook endpoints, on the connection of a transaction its caller opened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from services.notification.domain.webhooks import Endpoint
from services.notification.store.tables import utc, webhook_endpoints


def _endpoint(row: Any) -> Endpoint:
    return Endpoint(
        endpoint_id=row.endpoint_id,
        agency_id=row.agency_id,
        revision=row.revision,
        url=row.url,
        event_types=tuple(row.event_types),
        state=row.state,
        generation=row.generation,
        previous_valid_until=utc(row.previous_valid_until),
        contact_email=row.contact_email,
        disabled_at=utc(row.disabled_at),
    )


# Asked for every proposal event recorded: built once.
_OF_AGENCY = (
    select(webhook_endpoints)
    .where(webhook_endpoints.c.agency_id == bindparam("b_agency"))
    .order_by(webhook_endpoints.c.endpoint_id)
)


class WebhookStore:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def save(self, endpoint: Endpoint, now: datetime) -> bool:
        """Insert or update from a newer revision (which clears a disablement); an older
        revision arriving late changes nothing. True if written."""
        values: dict[str, Any] = {
            "agency_id": endpoint.agency_id,
            "revision": endpoint.revision,
            "url": endpoint.url,
            "event_types": list(endpoint.event_types),
            "state": endpoint.state,
            "generation": endpoint.generation,
            "previous_valid_until": endpoint.previous_valid_until,
            "contact_email": endpoint.contact_email,
            "disabled_at": None,
            "updated_at": now,
        }
        known = self._conn.execute(
            select(webhook_endpoints.c.revision)
            .where(webhook_endpoints.c.endpoint_id == endpoint.endpoint_id)
            .with_for_update()
        ).scalar()
        if known is None:
            self._conn.execute(
                insert(webhook_endpoints), {"endpoint_id": endpoint.endpoint_id, **values}
            )
            return True
        if known >= endpoint.revision:
            return False
        self._conn.execute(
            update(webhook_endpoints)
            .where(webhook_endpoints.c.endpoint_id == endpoint.endpoint_id)
            .values(values)
        )
        return True

    def of_agency(self, agency_id: str) -> list[Endpoint]:
        rows = self._conn.execute(_OF_AGENCY, {"b_agency": agency_id})
        return [_endpoint(row) for row in rows]

    def find(self, endpoint_id: str) -> Endpoint | None:
        row = self._conn.execute(
            select(webhook_endpoints).where(webhook_endpoints.c.endpoint_id == endpoint_id)
        ).first()
        return _endpoint(row) if row is not None else None

    def disable(self, endpoint_id: str, now: datetime) -> bool:
        """Stop sending to an endpoint; False if it was disabled already."""
        return bool(
            self._conn.execute(
                update(webhook_endpoints)
                .where(
                    webhook_endpoints.c.endpoint_id == endpoint_id,
                    webhook_endpoints.c.disabled_at.is_(None),
                )
                .values(disabled_at=now)
            ).rowcount
        )
