"""Proposals as the review service knows them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Connection, bindparam, func, select, update

from services.review.store.rows import as_dict, as_dicts
from services.review.store.tables import proposals

# Built once, values passed as parameters: building a statement per call and hashing
# its values into a cache key cost more than running it (the worker runs these per event).
_GET = select(proposals).where(proposals.c.id == bindparam("proposal_id"))
_GET_FOR_UPDATE = _GET.with_for_update()
_INSERT = proposals.insert()
# SET takes the columns named in the parameters; the key of the row is not a column name.
_CHANGE = update(proposals).where(proposals.c.id == bindparam("where_id"))


def get(conn: Connection, proposal_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
    query = _GET_FOR_UPDATE if for_update else _GET
    return as_dict(conn.execute(query, {"proposal_id": proposal_id}).first())


def insert(conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
    """Insert a proposal; returns it as ``get`` would read it back, without reading it.

    ``values`` must be what the database hands back: JSON-ready JSON columns, aware
    UTC datetimes (SQLite keeps a datetime's clock time and drops its offset).
    """
    conn.execute(_INSERT, values)
    return {column.key: _value(column, values) for column in proposals.c}


def _value(column: Column[Any], values: dict[str, Any]) -> Any:
    if column.key in values:
        return values[column.key]
    default = column.default
    if default is None:
        return None
    # A callable default (``list``, ``dict``) is wrapped to take the execution context.
    return default.arg(None) if default.is_callable else default.arg


def change(conn: Connection, proposal_id: str, **values: Any) -> None:
    conn.execute(_CHANGE, {"updated_at": datetime.now(UTC), **values, "where_id": proposal_id})


def listing(
    conn: Connection,
    *,
    cycle_id: str | None = None,
    status: str | None = None,
    ids: list[str] | None = None,
) -> list[dict[str, Any]]:
    query = select(proposals).order_by(proposals.c.submitted_at, proposals.c.id)
    if cycle_id is not None:
        query = query.where(proposals.c.cycle_id == cycle_id)
    if status is not None:
        query = query.where(proposals.c.status == status)
    if ids is not None:
        query = query.where(proposals.c.id.in_(ids))
    return as_dicts(conn.execute(query))


def agencies(conn: Connection) -> list[dict[str, Any]]:
    """Every agency the review service has heard of, from the proposals it received."""
    rows = conn.execute(
        select(proposals.c.agency_id, proposals.c.agency_code, proposals.c.agency_name).distinct()
    )
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(
            row.agency_id, {"id": row.agency_id, "code": row.agency_code, "name": row.agency_name}
        )
    return sorted(seen.values(), key=lambda a: a["code"])


def stage_counts(conn: Connection) -> list[tuple[str | None, str, int]]:
    """(cycle id, status, how many) for every pair that has proposals."""
    rows = conn.execute(
        select(proposals.c.cycle_id, proposals.c.status, func.count())
        .group_by(proposals.c.cycle_id, proposals.c.status)
        .order_by(proposals.c.cycle_id, proposals.c.status)
    )
    return [(row[0], row[1], int(row[2])) for row in rows]


class ProposalStore:
    """The ``proposals`` queries on one connection (the unit of work's)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, proposal_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        return get(self.conn, proposal_id, for_update=for_update)

    def naming_subject(self, subject: str) -> list[dict[str, Any]]:
        """Access request: the proposals whose (sealed) innovators include this data subject,
        with what review decided about them; nothing that says who the person is."""
        found = []
        for row in self.conn.execute(select(proposals).order_by(proposals.c.id)).all():
            innovators = (row.profile or {}).get("innovators") or []
            if any(i.get("subject") == subject for i in innovators):
                found.append(
                    {
                        "proposal_id": row.id,
                        "version": row.version,
                        "title": row.title,
                        "status": row.status,
                        "cycle_id": row.cycle_id,
                        "scores": row.scores or {},
                    }
                )
        return found

    def insert(self, values: dict[str, Any]) -> dict[str, Any]:
        return insert(self.conn, values)

    def change(self, proposal_id: str, **values: Any) -> None:
        return change(self.conn, proposal_id, **values)

    def listing(
        self,
        *,
        cycle_id: str | None = None,
        status: str | None = None,
        ids: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        return listing(self.conn, cycle_id=cycle_id, status=status, ids=ids)

    def agencies(self) -> list[dict[str, Any]]:
        return agencies(self.conn)

    def stage_counts(self) -> list[tuple[str | None, str, int]]:
        return stage_counts(self.conn)
