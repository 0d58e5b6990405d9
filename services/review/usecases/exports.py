"""The cycle's CSV exports (ranking, scores): built at once for a download, or asked for
and built in the background by the review worker, then downloaded while they last."""

from __future__ import annotations

import csv
import io
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from services.review.domain import rubric
from services.review.domain.errors import NotFound
from services.review.usecases import queries
from services.review.usecases.work import ReviewWork

log = logging.getLogger(__name__)

RANKING, SCORES, PARTICIPATION = "ranking", "scores", "participation"
KINDS = (RANKING, SCORES, PARTICIPATION)

_RANKING_HEADER = [
    "rank",
    "proposal_id",
    "title",
    "agency_code",
    "agency_name",
    "status",
    "mean_score",
    "reviewer_totals",
    "spread",
    "disagreement",
    "award_category",
]
_SCORES_HEADER = [
    "proposal_id",
    "title",
    "agency_code",
    "round",
    "reviewer",
    "rubric_version",
    "weighted_total",
    "scores",
    "comment",
    "submitted_at",
]


def _cell(value: Any) -> Any:
    # A cell starting like a formula would run in a spreadsheet: neutralise it.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _text(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return out.getvalue()


def filename(kind: str, cycle_id: str) -> str:
    return f"{kind}-{cycle_id}.csv"


def ranking_csv(cycle_id: str, uow: ReviewWork) -> str | None:
    """The desk ranking as CSV; None when there is no such cycle."""
    rows = queries.cycle_ranking(cycle_id, rubric.DESK, uow)
    if rows is None:
        return None
    return _text(
        _RANKING_HEADER,
        [
            [
                r["rank"],
                r["proposal_id"],
                r["title"],
                r["agency_code"],
                r["agency_name"],
                r["status"],
                r["mean_score"],
                " ".join(str(t) for t in r["reviewer_totals"]),
                r["spread"],
                "yes" if r["disagreement"] else "no",
                r["award_category"] or "",
            ]
            for r in rows
        ],
    )


def scores_csv(cycle_id: str, uow: ReviewWork) -> str | None:
    """Every submitted review of the cycle as CSV; None when there is no such cycle."""
    found = queries.submitted_scores(cycle_id, uow)
    if found is None:
        return None
    return _text(
        _SCORES_HEADER,
        [
            [
                r["proposal"]["id"],
                r["proposal"]["title"],
                r["proposal"]["agency_code"],
                r["assignment"]["round"],
                r["reviewer_name"],
                r["assignment"]["rubric_version"],
                r["assignment"]["weighted_total"],
                " ".join(f"{k}={v}" for k, v in sorted((r["assignment"]["scores"] or {}).items())),
                r["assignment"]["comment"] or "",
                r["assignment"]["submitted_at"].isoformat(),
            ]
            for r in found
        ],
    )


def participation_csv(cycle_id: str, uow: ReviewWork) -> str | None:
    """The season's participation report (every known agency, its proposals in the cycle)
    as CSV; None when there is no such cycle."""
    found = queries.cycle_participation(cycle_id, uow)
    if found is None:
        return None
    return _text(
        ["agency_code", "agency_name", "proposals", "titles"],
        [
            [a["code"], a["name"], a["proposals"], "; ".join(a["titles"])]
            for a in found["report"]["agencies"]
        ],
    )


BUILDERS: dict[str, Callable[[str, ReviewWork], str | None]] = {
    RANKING: ranking_csv,
    SCORES: scores_csv,
    PARTICIPATION: participation_csv,
}


def request_export(
    cycle_id: str, kind: str, user_id: str, uow: ReviewWork, now: datetime | None = None
) -> dict[str, Any]:
    """Store a pending export of the cycle for the worker to build."""
    if kind not in BUILDERS:
        raise NotFound("export")
    with uow:
        if uow.cycles.get(cycle_id) is None:
            raise NotFound("cycle")
        values = {
            "id": str(uuid.uuid4()),
            "cycle_id": cycle_id,
            "kind": kind,
            "requested_by": user_id,
            "requested_at": now or datetime.now(UTC),
            "filename": filename(kind, cycle_id),
        }
        uow.exports.add(values)
    return values


def get_export(export_id: str, uow: ReviewWork) -> dict[str, Any] | None:
    with uow:
        return uow.exports.get(export_id)


def build_pending(work: Callable[[], ReviewWork], now: datetime | None = None) -> int:
    """Build every pending export (oldest first); the number built. One export that
    fails is stored as failed, not retried forever."""
    with work() as uow:
        waiting = uow.exports.pending()
    built = 0
    for export in waiting:
        content: str | None = None
        error: str | None = None
        try:
            content = BUILDERS[export["kind"]](export["cycle_id"], work())
            if content is None:
                error = "no such cycle"
        except Exception as exc:  # stored on the export for the page; the loop goes on
            log.exception("export %s failed", export["id"])
            error = type(exc).__name__
        with work() as uow:
            if uow.exports.finish(export["id"], now or datetime.now(UTC), content, error):
                built += error is None
    return built


def purge_expired(
    ttl_hours: float, work: Callable[[], ReviewWork], now: datetime | None = None
) -> int:
    """Delete the exports asked for more than ``ttl_hours`` ago."""
    with work() as uow:
        return uow.exports.purge((now or datetime.now(UTC)) - timedelta(hours=ttl_hours))
