"""Cycles and their submission windows, as the review service announces them
(``cycle.scheduled``) or as configured."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from services.submission.domain.window import Cycle
from services.submission.store.registry import aware, iso
from services.submission.store.tables import cycles

_ALL_CYCLES = select(cycles).order_by(cycles.c.opens_at, cycles.c.id)


def known_cycles(conn: Connection, configured: Cycle | None = None) -> list[Cycle]:
    rows = conn.execute(_ALL_CYCLES).all()
    found = [Cycle(r.id, r.name, aware(r.opens_at), aware(r.closes_at)) for r in rows]
    # An announced cycle wins over a configured one with the same id.
    if configured and all(c.id != configured.id for c in found):
        found.append(configured)
    return found


def cycle_view(cycle: Cycle, now: datetime) -> dict[str, Any]:
    return {
        "id": cycle.id,
        "name": cycle.name,
        "opens_at": iso(cycle.opens_at),
        "closes_at": iso(cycle.closes_at),
        "open_now": cycle.is_open(now),
    }


def save_scheduled(conn: Connection, payload: dict[str, Any]) -> None:
    """Store a ``cycle.scheduled`` fact unless a later one for the cycle is stored already."""
    row = conn.execute(
        select(cycles.c.scheduled_at).where(cycles.c.id == payload["cycle_id"])
    ).first()
    values = {
        "name": payload["name"],
        "year": payload["year"],
        "opens_at": payload["submission_opens_at"],
        "closes_at": payload["submission_closes_at"],
        "scheduled_at": payload["scheduled_at"],
    }
    if row is None:
        conn.execute(insert(cycles).values(id=payload["cycle_id"], **values))
    elif aware(row.scheduled_at) <= payload["scheduled_at"]:
        conn.execute(update(cycles).where(cycles.c.id == payload["cycle_id"]).values(**values))
