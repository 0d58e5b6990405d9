"""Agencies' webhook endpoints, on the connection of a transaction its caller opened."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from services.submission.store.tables import webhook_endpoints
from shared.events.webhook import DELETED


class WebhookEndpoints:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, values: dict[str, Any]) -> None:
        self._conn.execute(insert(webhook_endpoints).values(**values))

    def of_agency(self, agency_id: str) -> list[Any]:
        """The agency's endpoints that are not deleted, oldest first."""
        return list(
            self._conn.execute(
                select(webhook_endpoints)
                .where(
                    webhook_endpoints.c.agency_id == agency_id,
                    webhook_endpoints.c.state != DELETED,
                )
                .order_by(webhook_endpoints.c.created_at, webhook_endpoints.c.id)
            ).all()
        )

    def find(self, agency_id: str, endpoint_id: str, *, lock: bool = False) -> Any:
        """The agency's endpoint (not deleted), or None: another agency's is not found."""
        query = select(webhook_endpoints).where(
            webhook_endpoints.c.id == endpoint_id,
            webhook_endpoints.c.agency_id == agency_id,
            webhook_endpoints.c.state != DELETED,
        )
        return self._conn.execute(query.with_for_update() if lock else query).first()

    def by_id(self, endpoint_id: str) -> Any:
        """The endpoint's row whatever its state (deleted too)."""
        return self._conn.execute(
            select(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id)
        ).first()

    def change(self, endpoint_id: str, values: dict[str, Any]) -> None:
        self._conn.execute(
            update(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id).values(**values)
        )
