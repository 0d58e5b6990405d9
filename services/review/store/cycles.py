"""Award cycles and their versioned rubrics."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from services.review.domain import rubric as rubrics_domain
from services.review.store.rows import as_dict, as_dicts
from services.review.store.tables import cycles, rubrics

# Built once, values passed as parameters (the worker looks up a cycle per proposal).
_GET = select(cycles).where(cycles.c.id == bindparam("cycle_id"))
_OPEN_AT = (
    select(cycles)
    .where(
        cycles.c.submission_opens_at <= bindparam("when"),
        cycles.c.submission_closes_at >= bindparam("when"),
    )
    .order_by(cycles.c.submission_opens_at.desc())
)


def get(conn: Connection, cycle_id: str) -> dict[str, Any] | None:
    return as_dict(conn.execute(_GET, {"cycle_id": cycle_id}).first())


def listing(conn: Connection) -> list[dict[str, Any]]:
    return as_dicts(conn.execute(select(cycles).order_by(cycles.c.year.desc(), cycles.c.name)))


def insert(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(cycles.insert().values(**values))


def change(conn: Connection, cycle_id: str, **values: Any) -> None:
    conn.execute(update(cycles).where(cycles.c.id == cycle_id).values(**values))


def open_at(conn: Connection, when: datetime) -> dict[str, Any] | None:
    """The cycle whose submission window holds ``when`` (the latest opened, if several)."""
    return as_dict(conn.execute(_OPEN_AT, {"when": when}).first())


def add_rubric(
    conn: Connection, cycle_id: str, rubric: rubrics_domain.Rubric, active: bool
) -> None:
    if active:
        conn.execute(
            update(rubrics)
            .where(rubrics.c.cycle_id == cycle_id, rubrics.c.round == rubric.round)
            .values(active=False)
        )
    conn.execute(
        rubrics.insert().values(
            cycle_id=cycle_id,
            round=rubric.round,
            version=rubric.version,
            definition=rubrics_domain.to_dict(rubric),
            active=active,
            created_at=datetime.now(UTC),
        )
    )


def next_rubric_version(conn: Connection, cycle_id: str, round: str) -> int:
    latest = conn.execute(
        select(func.max(rubrics.c.version)).where(
            rubrics.c.cycle_id == cycle_id, rubrics.c.round == round
        )
    ).scalar_one()
    return int(latest or 0) + 1


def rubric_row(
    conn: Connection, cycle_id: str, round: str, version: int | None = None
) -> dict[str, Any] | None:
    """The given version, or the active one (what scores are recorded against)."""
    query = select(rubrics).where(rubrics.c.cycle_id == cycle_id, rubrics.c.round == round)
    query = query.where(rubrics.c.version == version) if version else query.where(rubrics.c.active)
    return as_dict(conn.execute(query).first())


def rubric_versions(conn: Connection, cycle_id: str, round: str) -> list[dict[str, Any]]:
    return as_dicts(
        conn.execute(
            select(rubrics)
            .where(rubrics.c.cycle_id == cycle_id, rubrics.c.round == round)
            .order_by(rubrics.c.version)
        )
    )


def freeze_rubric(conn: Connection, cycle_id: str, round: str, version: int) -> bool:
    """Freeze the version at its first score; True if this call froze it."""
    result = conn.execute(
        update(rubrics)
        .where(
            rubrics.c.cycle_id == cycle_id,
            rubrics.c.round == round,
            rubrics.c.version == version,
            rubrics.c.frozen_at.is_(None),
        )
        .values(frozen_at=datetime.now(UTC))
    )
    return result.rowcount == 1


class CycleStore:
    """The ``cycles`` queries on one connection (the unit of work's)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, cycle_id: str) -> dict[str, Any] | None:
        return get(self.conn, cycle_id)

    def listing(self) -> list[dict[str, Any]]:
        return listing(self.conn)

    def insert(self, values: dict[str, Any]) -> None:
        return insert(self.conn, values)

    def change(self, cycle_id: str, **values: Any) -> None:
        return change(self.conn, cycle_id, **values)

    def open_at(self, when: datetime) -> dict[str, Any] | None:
        return open_at(self.conn, when)

    def add_rubric(self, cycle_id: str, rubric: rubrics_domain.Rubric, active: bool) -> None:
        return add_rubric(self.conn, cycle_id, rubric, active)

    def next_rubric_version(self, cycle_id: str, round: str) -> int:
        return next_rubric_version(self.conn, cycle_id, round)

    def rubric_row(
        self, cycle_id: str, round: str, version: int | None = None
    ) -> dict[str, Any] | None:
        return rubric_row(self.conn, cycle_id, round, version)

    def rubric_versions(self, cycle_id: str, round: str) -> list[dict[str, Any]]:
        return rubric_versions(self.conn, cycle_id, round)

    def freeze_rubric(self, cycle_id: str, round: str, version: int) -> bool:
        return freeze_rubric(self.conn, cycle_id, round, version)
