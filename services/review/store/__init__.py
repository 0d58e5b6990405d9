"""Persistence of the review service: one module per kind of record, tables in ``tables``."""

from services.review.store.tables import inbox, metadata, outbox

__all__ = ["inbox", "metadata", "outbox"]
