"""One agency, one innovation: who has submitted to a cycle, and who has not yet."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from services.submission.domain import lifecycle
from services.submission.store.tables import agencies, proposals


def participation(engine: Engine, cycle_id: str) -> dict[str, Any]:
    """Every registered agency with its count of proposals submitted to the cycle
    (withdrawn ones do not count), and those with none, ordered by code."""
    counted = (
        select(proposals.c.agency_id, func.count().label("submitted"))
        .where(
            proposals.c.cycle_id == cycle_id,
            proposals.c.submitted_at.is_not(None),
            proposals.c.status != lifecycle.WITHDRAWN,
        )
        .group_by(proposals.c.agency_id)
        .subquery()
    )
    parent = agencies.alias("parent")
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                agencies.c.id,
                agencies.c.code,
                agencies.c.name,
                agencies.c.type,
                parent.c.code.label("parent_code"),
                func.coalesce(counted.c.submitted, 0).label("submitted"),
            )
            .outerjoin(counted, counted.c.agency_id == agencies.c.id)
            .outerjoin(parent, parent.c.id == agencies.c.parent_id)
            .order_by(agencies.c.code)
        ).all()
    listed = [
        {
            "agency_id": r.id,
            "code": r.code,
            "name": r.name,
            "type": r.type,
            "parent_code": r.parent_code,
            "submitted": int(r.submitted),
        }
        for r in rows
    ]
    return {
        "cycle_id": cycle_id,
        "agencies": listed,
        "without_submission": [a for a in listed if a["submitted"] == 0],
    }
