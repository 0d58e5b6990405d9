"""Webhooks: which events an agency's endpoints hear about, and what they are sent.

An endpoint hears about its own agency's proposals only, about the event types it
subscribed to (none listed: all of them), and never who reviews: the fields that
name a reviewer or a secretariat member are taken out. The body is the event as a
structured CloudEvent (JSON), the same id, type, source, subject and time as on the
event bus.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.events.webhook import ACTIVE, DELETED, EVENT_TYPES

__all__ = ["EVENT_TYPES", "PARKED", "Endpoint", "cloud_event", "redact"]
# Who reviewed or decided: never told to a portal.
PERSONAL = frozenset(
    {"reviewer", "reviewer_id", "reviewers", "decided_by", "requested_by", "assignment_id"}
)
DISABLED_TEMPLATE = "webhook_disabled"
# When a parked webhook delivery is due: never, until its endpoint is active again.
PARKED = datetime(9999, 1, 1, tzinfo=UTC)
# How a delivery that came due while its endpoint was paused or disabled fails (it is
# sent once the endpoint is active again).
NOT_SENT_PREFIX = "the endpoint is "


@dataclass(frozen=True)
class Endpoint:
    endpoint_id: str
    agency_id: str
    revision: int
    url: str
    event_types: tuple[str, ...]
    state: str
    generation: int
    previous_valid_until: datetime | None = None
    contact_email: str | None = None
    disabled_at: datetime | None = None

    @property
    def sending(self) -> bool:
        return self.state == ACTIVE and self.disabled_at is None

    def subscribes(self, event_type: str) -> bool:
        """Whether the endpoint gets ``event_type`` (now, or once it is active again)."""
        return self.state != DELETED and (not self.event_types or event_type in self.event_types)

    def wants(self, event_type: str) -> bool:
        return self.sending and self.subscribes(event_type)

    def generations(self, now: datetime) -> tuple[int, ...]:
        """The secrets' generations that sign now: the current one, and the one before
        during a rotation's grace period."""
        if self.previous_valid_until is not None and now < self.previous_valid_until:
            return (self.generation, self.generation - 1)
        return (self.generation,)


def redact(data: Any) -> Any:
    """``data`` without the fields that name a reviewer or a decider (at any depth)."""
    if isinstance(data, Mapping):
        return {k: redact(v) for k, v in data.items() if k not in PERSONAL}
    if isinstance(data, list):
        return [redact(v) for v in data]
    return data


def cloud_event(
    *,
    event_id: str,
    event_type: str,
    source: str,
    subject: str,
    time: datetime,
    dataschema: str,
    data: Mapping[str, Any],
) -> str:
    """The event as a structured-mode CloudEvent 1.0 (JSON), personal fields taken out."""
    return json.dumps(
        {
            "specversion": "1.0",
            "id": event_id,
            "type": event_type,
            "source": source,
            "subject": subject,
            "time": time.isoformat(),
            "datacontenttype": "application/json",
            "dataschema": dataschema,
            "data": redact(data),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
