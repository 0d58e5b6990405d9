"""What a reader asks for: the published cycles, one cycle, the catalogue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.results.domain.record import RESULTS, SHORTLIST, aware, by_category, objections_open
from services.results.usecases.work import ResultsWork


def _cycle_summary(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "cycle_id": row["cycle_id"],
        "name": row["name"],
        "year": row["year"],
        "categories": row["categories"] or [],
        "shortlist_published_at": _moment(row["shortlist_published_at"]),
        "objections_close_at": _moment(row["objections_close_at"]),
        "objections_open": objections_open(row["objections_close_at"], now),
        "results_published_at": _moment(row["results_published_at"]),
        "scores_published": bool(row["scores_published"]),
    }


def _moment(value: datetime | None) -> datetime | None:
    return aware(value) if value is not None else None


def list_cycles(now: datetime, uow: ResultsWork) -> list[dict[str, Any]]:
    """Every cycle with something published, newest year first."""
    with uow:
        return [_cycle_summary(row, now) for row in uow.results.published_cycles()]


def _public(entry: dict[str, Any], scores: bool) -> dict[str, Any]:
    shown = {k: entry[k] for k in ("proposal_id", "title", "agency_code", "agency_name")}
    shown |= {k: entry[k] for k in ("summary", "category", "category_name", "rank", "award")}
    if scores:
        shown["score"] = entry["score"]
    return shown


def cycle_record(cycle_id: str, now: datetime, uow: ResultsWork) -> dict[str, Any] | None:
    """A published cycle: per category its shortlist (the results' finalists once results
    are out, else the shortlist published for objection) and its awards; None when
    nothing of it is published."""
    with uow:
        row = uow.results.cycle(cycle_id)
        if row is None:
            return None
        summary = _cycle_summary(row, now)
        results = summary["results_published_at"] is not None
        scores = results and summary["scores_published"]
        stage = RESULTS if results else SHORTLIST
        entries = [_public(e, scores) for e in uow.results.entries(cycle_id, stage)]
        groups = by_category(summary["categories"], entries)
        return {
            **summary,
            "stage": stage,
            "by_category": [
                {
                    "code": g.code,
                    "name": g.name,
                    "shortlist": list(g.finalists),
                    "awards": list(g.awarded),
                }
                for g in groups
            ],
        }


def search_catalog(query: dict[str, Any], uow: ResultsWork) -> dict[str, Any]:
    """Awarded innovations across cycles matching ``query`` (q, year, category, agency,
    limit, offset), with the filters' choices."""
    with uow:
        items, total = uow.results.catalog(
            text=query.get("q") or "",
            year=query.get("year"),
            category=query.get("category") or "",
            agency=query.get("agency") or "",
            limit=query.get("limit", 50),
            offset=query.get("offset", 0),
        )
        choices = uow.results.catalog_choices()
    return {
        "total": total,
        "items": [
            {
                **_public(item, False),
                "cycle_id": item["cycle_id"],
                "cycle_name": item["cycle_name"],
                "year": item["year"],
            }
            for item in items
        ],
        "choices": choices,
    }
