"""Event type -> use case: the two publications become the public record.

An effect runs inside the inbox transaction (``shared/events/inbox.py`` gives it the
connection); the use case joins it, so the inbox row and the projection commit together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from services.results.usecases.projection import project_results, project_shortlist
from services.results.usecases.work import ResultsWork
from shared.events.catalog import (
    CYCLE_RESULTS_PUBLISHED,
    CYCLE_SHORTLIST_PUBLISHED,
    Reads,
    reads,
    spec_for,
)
from shared.events.envelope import Event

Handler = Callable[[Connection, Event], None]

# What this service reads (docs/OPERATE.md: Releases).
READS: tuple[Reads, ...] = (
    reads(CYCLE_SHORTLIST_PUBLISHED, 1),
    reads(CYCLE_RESULTS_PUBLISHED, 1),
)


def _handler(event_type: str, project: Callable[[dict[str, Any], ResultsWork], bool]) -> Handler:
    schema = spec_for(event_type).validator

    def handle(conn: Connection, event: Event) -> None:
        project(schema.load(event.data), ResultsWork.joining(conn))

    return handle


def handlers() -> dict[str, Handler]:
    """The inbox handlers, keyed by dataschema."""
    return {
        spec_for(CYCLE_SHORTLIST_PUBLISHED).dataschema: _handler(
            CYCLE_SHORTLIST_PUBLISHED, project_shortlist
        ),
        spec_for(CYCLE_RESULTS_PUBLISHED).dataschema: _handler(
            CYCLE_RESULTS_PUBLISHED, project_results
        ),
    }
