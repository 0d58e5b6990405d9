"""The timeline of a proposal: every step in both services, as the agency sees it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from services.submission.store.tables import timeline

_INSERT_TIMELINE = insert(timeline)  # built once; the values go in as parameters


class TimelineStore:
    """Every step of a proposal in both services, as the agency sees it."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(
        self,
        proposal_id: str,
        type: str,
        version: int | None,
        at: datetime,
        facts: dict[str, Any] | None = None,
        event_id: str | None = None,
    ) -> None:
        self._conn.execute(
            _INSERT_TIMELINE,
            {
                "proposal_id": proposal_id,
                "event_id": event_id or str(uuid.uuid4()),
                "type": type,
                "version": version,
                "at": at if at.tzinfo else at.replace(tzinfo=UTC),
                "facts": facts or {},
            },
        )

    def entries(self, proposal_id: str) -> list[Any]:
        """The proposal's steps, oldest first."""
        return list(
            self._conn.execute(
                select(timeline)
                .where(timeline.c.proposal_id == proposal_id)
                .order_by(timeline.c.at, timeline.c.id)
            ).all()
        )
