"""The projection: a published shortlist or published results become the public record.

Each runs inside the inbox transaction (exactly once per event); a newer publication of
the same stage replaces the older one, an older one arriving late changes nothing.
"""

from __future__ import annotations

from typing import Any

from services.results.domain.record import RESULTS, SHORTLIST, supersedes
from services.results.usecases.work import ResultsWork

_ENTRY_FIELDS = (
    "proposal_id",
    "title",
    "agency_code",
    "agency_name",
    "summary",
    "category",
    "category_name",
    "rank",
    "award",
    "score",
)


def _kept(payload: dict[str, Any], stage: str, uow: ResultsWork) -> bool:
    """Keep the cycle; True when this publication is the one to show."""
    cycle_id = payload["cycle_id"]
    if not supersedes(payload["published_at"], uow.results.published_at(cycle_id, stage)):
        return False
    uow.results.keep_cycle(
        cycle_id,
        payload["cycle_name"],
        payload["year"],
        [{"code": c["code"], "name": c["name"]} for c in payload.get("categories") or []],
    )
    return True


def _rows(payload: dict[str, Any], scores: bool, awards: bool) -> list[dict[str, Any]]:
    """The entries as kept: a score only where scores were published, an award only in
    results (a shortlist awards nothing yet)."""
    rows = []
    for entry in payload["entries"]:
        row = {name: entry.get(name) for name in _ENTRY_FIELDS}
        row["summary"] = row["summary"] or ""
        row["score"] = row["score"] if scores else None
        row["award"] = row["award"] if awards else None
        rows.append(row)
    return rows


def project_shortlist(payload: dict[str, Any], uow: ResultsWork) -> bool:
    """``cycle.shortlist_published``: the shortlist and its objection window."""
    with uow:
        if not _kept(payload, SHORTLIST, uow):
            return False
        cycle_id = payload["cycle_id"]
        uow.results.replace_entries(cycle_id, SHORTLIST, _rows(payload, False, False))
        uow.results.mark(
            cycle_id,
            SHORTLIST,
            payload["published_at"],
            objections_close_at=payload["objections_close_at"],
        )
        return True


def project_results(payload: dict[str, Any], uow: ResultsWork) -> bool:
    """``cycle.results_published``: the finalists per category and the awards."""
    with uow:
        if not _kept(payload, RESULTS, uow):
            return False
        cycle_id, scores = payload["cycle_id"], bool(payload.get("scores_published"))
        uow.results.replace_entries(cycle_id, RESULTS, _rows(payload, scores, True))
        uow.results.mark(cycle_id, RESULTS, payload["published_at"], scores_published=scores)
        return True
