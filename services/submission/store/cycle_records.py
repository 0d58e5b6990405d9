"""Cycles and their submission windows, as the review service announces them
(``cycle.scheduled``) or as configured."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from services.submission.config import SubmissionSettings
from services.submission.domain.window import Cycle
from services.submission.store.registry import aware
from services.submission.store.tables import cycles


def configured_cycle(settings: SubmissionSettings) -> Cycle | None:
    """The cycle named by ``SUBMISSION_CYCLE_ID``/``_OPENS_AT``/``_CLOSES_AT``, if complete."""
    if not (
        settings.submission_cycle_id
        and settings.submission_opens_at
        and settings.submission_closes_at
    ):
        return None
    return Cycle(
        id=settings.submission_cycle_id,
        name=settings.submission_cycle_id,
        opens_at=datetime.fromisoformat(settings.submission_opens_at),
        closes_at=datetime.fromisoformat(settings.submission_closes_at),
    )


_ALL_CYCLES = select(cycles).order_by(cycles.c.opens_at, cycles.c.id)


def known_cycles(conn: Connection, configured: Cycle | None = None) -> list[Cycle]:
    rows = conn.execute(_ALL_CYCLES).all()
    found = [
        Cycle(
            r.id,
            r.name,
            aware(r.opens_at),
            aware(r.closes_at),
            tuple((c["code"], c["name"]) for c in r.categories or []),
            r.category_by or "profile",
            r.min_per_agency or 0,
            r.max_per_agency,
        )
        for r in rows
    ]
    # An announced cycle wins over a configured one with the same id.
    if configured and all(c.id != configured.id for c in found):
        found.append(configured)
    return found


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
        "categories": [
            {"code": c["code"], "name": c["name"]} for c in payload.get("categories") or []
        ],
        "category_by": payload.get("category_by") or "profile",
        "min_per_agency": payload.get("min_per_agency") or 0,
        "max_per_agency": payload.get("max_per_agency"),
    }
    RecentCycles.changed()
    if row is None:
        conn.execute(insert(cycles).values(id=payload["cycle_id"], **values))
    elif aware(row.scheduled_at) <= payload["scheduled_at"]:
        conn.execute(update(cycles).where(cycles.c.id == payload["cycle_id"]).values(**values))


class RecentCycles:
    """The cycles read in the last ``ttl_s`` seconds, for a process that reads them on
    every request (the create of a proposal checks its cycle's window).

    Cycles change a few times a year, by a ``cycle.scheduled`` fact: one stored by
    this process takes effect here at once; one stored by another process (the
    worker) within ``ttl_s``, the bound the API documents for keys too. Only an
    acceptance is answered from memory: a caller about to refuse reads ``fresh``
    (a cycle announced a moment ago is never refused for being unknown).
    """

    _generation = 0  # bumped by every change stored in this process

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._kept: tuple[float, int, list[Cycle]] | None = None

    @classmethod
    def changed(cls) -> None:
        cls._generation += 1

    def known(self, read: Callable[[], list[Cycle]], *, fresh: bool = False) -> list[Cycle]:
        kept, now = self._kept, self._clock()
        if not fresh and kept and now < kept[0] and kept[1] == RecentCycles._generation:
            return kept[2]
        generation = RecentCycles._generation
        found = read()
        self._kept = (now + self.ttl_s, generation, found)
        return found


class CycleStore:
    """The cycles this service knows, on one connection (read through ``recent`` if given)."""

    def __init__(self, conn: Connection, recent: RecentCycles | None = None) -> None:
        self._conn = conn
        self._recent = recent

    @property
    def remembered(self) -> bool:
        """Whether ``known`` may answer from memory (then a refusal reads ``fresh``)."""
        return self._recent is not None

    def known(self, configured: Cycle | None = None, *, fresh: bool = False) -> list[Cycle]:
        if self._recent is None:
            return known_cycles(self._conn, configured)
        stored = self._recent.known(lambda: known_cycles(self._conn), fresh=fresh)
        if configured and all(c.id != configured.id for c in stored):
            return [*stored, configured]
        return stored

    def save_scheduled(self, payload: dict[str, Any]) -> None:
        save_scheduled(self._conn, payload)
