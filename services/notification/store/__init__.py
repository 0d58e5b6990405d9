"""Persistence of the notification service.

``tables`` (the schema), ``deliveries`` (recording, claiming, finishing and
listing deliveries), ``projection`` (proposals, reviewers, parked events),
``preferences`` (what each recipient wants). Each store works on the connection of
a transaction a use case opened (``usecases/work.py``); none opens one itself.
"""

from services.notification.store.tables import inbox, metadata, outbox

__all__ = ["inbox", "metadata", "outbox"]
