"""The published records: write a publication, read cycles, a cycle, the catalogue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from services.results.domain.record import RESULTS, SHORTLIST
from services.results.store.tables import cycles, entries

_STAGE_COLUMN = {SHORTLIST: "shortlist_published_at", RESULTS: "results_published_at"}


def _dicts(result: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in result]


class ResultsStore:
    """The projection's queries on one connection (the unit of work's)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def cycle(self, cycle_id: str) -> dict[str, Any] | None:
        row = self.conn.execute(select(cycles).where(cycles.c.cycle_id == cycle_id)).first()
        return dict(row._mapping) if row else None

    def published_at(self, cycle_id: str, stage: str) -> datetime | None:
        found = self.cycle(cycle_id)
        return found[_STAGE_COLUMN[stage]] if found else None

    def keep_cycle(self, cycle_id: str, name: str, year: int, categories: list[Any]) -> None:
        """Insert the cycle, or refresh its name, year and categories."""
        values = {"name": name, "year": year, "categories": categories}
        if self.cycle(cycle_id) is None:
            self.conn.execute(insert(cycles).values(cycle_id=cycle_id, **values))
        else:
            self.conn.execute(update(cycles).where(cycles.c.cycle_id == cycle_id).values(**values))

    def mark(self, cycle_id: str, stage: str, published_at: datetime, **more: Any) -> None:
        self.conn.execute(
            update(cycles)
            .where(cycles.c.cycle_id == cycle_id)
            .values(**{_STAGE_COLUMN[stage]: published_at}, **more)
        )

    def replace_entries(self, cycle_id: str, stage: str, rows: Sequence[Mapping[str, Any]]) -> None:
        self.conn.execute(
            delete(entries).where(and_(entries.c.cycle_id == cycle_id, entries.c.stage == stage))
        )
        if rows:
            self.conn.execute(
                insert(entries),
                [
                    {**row, "cycle_id": cycle_id, "stage": stage, "position": i}
                    for i, row in enumerate(rows)
                ],
            )

    def entries(self, cycle_id: str, stage: str) -> list[dict[str, Any]]:
        query = (
            select(entries)
            .where(and_(entries.c.cycle_id == cycle_id, entries.c.stage == stage))
            .order_by(entries.c.position)
        )
        return _dicts(self.conn.execute(query))

    def published_cycles(self) -> list[dict[str, Any]]:
        """Every cycle that published its shortlist or its results, newest year first."""
        query = (
            select(cycles)
            .where(
                or_(
                    cycles.c.results_published_at.is_not(None),
                    cycles.c.shortlist_published_at.is_not(None),
                )
            )
            .order_by(cycles.c.year.desc(), cycles.c.name)
        )
        return _dicts(self.conn.execute(query))

    def catalog(
        self,
        text: str = "",
        year: int | None = None,
        category: str = "",
        agency: str = "",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """Awarded innovations across cycles (newest first) matching every filter given, and
        how many match in all. ``text`` is looked for in title, summary and agency."""
        conditions = [
            entries.c.stage == RESULTS,
            entries.c.award.is_not(None),
            cycles.c.results_published_at.is_not(None),
        ]
        if text:
            pattern = f"%{_escaped(text.lower())}%"
            conditions.append(
                or_(
                    *(
                        func.lower(column).like(pattern, escape="\\")
                        for column in (
                            entries.c.title,
                            entries.c.summary,
                            entries.c.agency_name,
                            entries.c.agency_code,
                        )
                    )
                )
            )
        if year is not None:
            conditions.append(cycles.c.year == year)
        if category:
            conditions.append(
                or_(entries.c.category == category, entries.c.category_name == category)
            )
        if agency:
            conditions.append(or_(entries.c.agency_code == agency, entries.c.agency_name == agency))
        joined = entries.join(cycles, entries.c.cycle_id == cycles.c.cycle_id)
        where = and_(*conditions)
        total = self.conn.execute(select(func.count()).select_from(joined).where(where)).scalar()
        query = (
            select(entries, cycles.c.name.label("cycle_name"), cycles.c.year)
            .select_from(joined)
            .where(where)
            .order_by(cycles.c.year.desc(), cycles.c.name, entries.c.position)
            .limit(limit)
            .offset(offset)
        )
        return _dicts(self.conn.execute(query)), int(total or 0)

    def catalog_choices(self) -> dict[str, list[Any]]:
        """The years, categories and agencies the catalogue's filters offer."""
        joined = entries.join(cycles, entries.c.cycle_id == cycles.c.cycle_id)
        awarded = and_(entries.c.stage == RESULTS, entries.c.award.is_not(None))
        years = self.conn.execute(
            select(cycles.c.year).select_from(joined).where(awarded).distinct()
        ).scalars()
        kinds = self.conn.execute(
            select(entries.c.category, entries.c.category_name)
            .where(awarded, entries.c.category.is_not(None))
            .distinct()
        )
        agencies = self.conn.execute(
            select(entries.c.agency_code, entries.c.agency_name).where(awarded).distinct()
        )
        return {
            "years": sorted(set(years), reverse=True),
            "categories": sorted({(r[0], r[1] or r[0]) for r in kinds}, key=lambda c: c[1]),
            "agencies": sorted({(r[0], r[1]) for r in agencies}, key=lambda a: a[1]),
        }


def _escaped(text: str) -> str:
    """``text`` with LIKE's wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
