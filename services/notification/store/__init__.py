"""Persistence of the notification service.

``tables`` (the schema), ``deliveries`` (recording, claiming, finishing and
listing deliveries), ``projection`` (proposals, reviewers, parked events,
preferences).
"""

from services.notification.store.tables import inbox, metadata, outbox

__all__ = ["inbox", "metadata", "outbox"]
