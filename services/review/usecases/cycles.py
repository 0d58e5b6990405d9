"""Cycles, their rubrics, rankings, the what-if report and participation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from services.review.domain import categories, rubric, scoring, states
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.usecases.events import emit
from services.review.usecases.work import ReviewWork
from shared.events.catalog import CYCLE_SCHEDULED

FINALIST = (states.SHORTLISTED, states.PANEL_ASSIGNED, states.PANEL_SCORED, states.AWARDED)
POLICY_FIELDS = ("min_per_agency", "max_per_agency")
DATE_FIELDS = ("submission_opens_at", "submission_closes_at", "review_deadline", "panel_deadline")


def _check_dates(values: dict[str, Any]) -> None:
    if values["submission_closes_at"] <= values["submission_opens_at"]:
        raise Invalid({"submission_closes_at": ["Must be after submission_opens_at."]})
    if values["review_deadline"] <= values["submission_opens_at"]:
        raise Invalid({"review_deadline": ["Must be after submission_opens_at."]})


def _check_policy(values: dict[str, Any]) -> None:
    """One agency, one innovation: a maximum per agency, when set, is at least the minimum."""
    low, high = values.get("min_per_agency") or 0, values.get("max_per_agency")
    if high is not None and high < low:
        raise Invalid({"max_per_agency": ["Must be at least min_per_agency."]})


def _check_categories(values: dict[str, Any]) -> None:
    errors = categories.problems(categories.from_dicts(values.get("categories") or []))
    if values.get("category_by", categories.BY_PROFILE) not in categories.PLACEMENTS:
        errors["category_by"] = [f"One of {', '.join(categories.PLACEMENTS)}."]
    if errors:
        raise Invalid(errors)


def categories_of(cycle: dict[str, Any] | None) -> tuple[categories.AwardCategory, ...]:
    return categories.from_dicts((cycle or {}).get("categories") or [])


def place_proposal(
    cycle: dict[str, Any] | None, profile: dict[str, Any], agency_type: str | None
) -> str | None:
    """The award category of the cycle the proposal falls into (None without categories)."""
    return categories.place(
        categories_of(cycle),
        {**profile, "agency_type": agency_type},
        (cycle or {}).get("category_by") or categories.BY_PROFILE,
    )


def _replace_proposals(uow: ReviewWork, cycle: dict[str, Any]) -> None:
    """New categories: every proposal of the cycle is placed again, before any shortlist."""
    in_cycle = uow.proposals.listing(cycle_id=cycle["id"])
    decided = [p["id"] for p in in_cycle if p["status"] in (*FINALIST, states.NOT_AWARDED)]
    if decided:
        raise Conflict(
            "Categories cannot change once a proposal of the cycle is shortlisted or decided.",
            "cycle.categories_fixed",
        )
    for p in in_cycle:
        placed = place_proposal(cycle, p["profile"], p.get("agency_type"))
        uow.proposals.change(p["id"], award_category=placed)


def _scheduled(uow: ReviewWork, cycle: dict[str, Any]) -> None:
    """Publish the dates so the submission service enforces the window."""
    emit(
        uow,
        CYCLE_SCHEDULED,
        cycle["id"],
        {
            "cycle_id": cycle["id"],
            "name": cycle["name"],
            "year": cycle["year"],
            "submission_opens_at": cycle["submission_opens_at"],
            "submission_closes_at": cycle["submission_closes_at"],
            "review_deadline": cycle["review_deadline"],
            "scheduled_at": datetime.now(UTC),
            "categories": [
                {"code": c["code"], "name": c["name"]} for c in cycle.get("categories") or []
            ],
            "category_by": cycle.get("category_by") or categories.BY_PROFILE,
            "min_per_agency": cycle.get("min_per_agency") or 0,
            "max_per_agency": cycle.get("max_per_agency"),
        },
    )


def create_cycle(values: dict[str, Any], actor: str, uow: ReviewWork) -> dict[str, Any]:
    """A cycle with the default rubrics unless given; ``cycle.scheduled`` in the same transaction."""
    with uow:
        values = dict(values)
        given_rubrics = values.pop("rubrics", None) or {}
        values.setdefault("panel_deadline", None)
        values["categories"] = [dict(c) for c in values.get("categories") or []]
        values.setdefault("category_by", categories.BY_PROFILE)
        values["field_verification"] = bool(values.get("field_verification"))
        values.setdefault("min_per_agency", 0)
        values.setdefault("max_per_agency", None)
        _check_categories(values)
        _check_policy(values)
        if values["panel_deadline"] is None:
            values["panel_deadline"] = values["review_deadline"] + timedelta(days=30)
        _check_dates(values)
        cycle = {
            **values,
            "id": str(uuid.uuid4()),
            "panel": [],
            "status": "open",
            "created_at": datetime.now(UTC),
        }
        uow.cycles.insert(cycle)
        for round in rubric.ROUNDS:
            definition = given_rubrics.get(round)
            chosen = rubric.default_rubric(round)
            if definition:
                chosen = _rubric_from(definition, round, 1)
            uow.cycles.add_rubric(cycle["id"], chosen, active=True)
        uow.audit.record(actor, "cycle_created", "cycle", cycle["id"], None, cycle)
        _scheduled(uow, cycle)
        return cycle


def _rubric_from(definition: dict[str, Any], round: str, version: int) -> rubric.Rubric:
    try:
        return rubric.validate(rubric.from_dict({**definition, "round": round, "version": version}))
    except rubric.RubricError as exc:
        raise Invalid(exc.errors) from exc


def change_cycle(
    cycle_id: str, changes: dict[str, Any], actor: str, uow: ReviewWork
) -> dict[str, Any]:
    with uow:
        cycle = uow.cycles.get(cycle_id)
        if cycle is None:
            raise NotFound("No such cycle.", "cycle.not_found")
        if not changes:
            return cycle  # an empty PATCH changes nothing (and UPDATE needs a column)
        if cycle["status"] == "awarded":
            raise Conflict(
                "The cycle's awards were decided; it cannot change any more.", "cycle.decided"
            )
        updated = {**cycle, **changes}
        _check_dates(updated)
        _check_categories(updated)
        _check_policy(updated)
        uow.cycles.change(cycle_id, **changes)
        if "categories" in changes or "category_by" in changes:
            _replace_proposals(uow, updated)
        uow.audit.record(
            actor, "cycle_changed", "cycle", cycle_id, {k: cycle[k] for k in changes}, changes
        )
        # Open reviews follow a moved deadline (their one reminder stays at most one).
        for field, round in (("review_deadline", rubric.DESK), ("panel_deadline", rubric.PANEL)):
            if field in changes:
                uow.assignments.move_deadline(cycle_id, round, changes[field])
        announced = (*DATE_FIELDS, "name", "year", "categories", "category_by", *POLICY_FIELDS)
        if any(k in changes for k in announced):
            _scheduled(uow, updated)
        return updated


def set_rubric(
    cycle_id: str, round: str, definition: dict[str, Any], actor: str, uow: ReviewWork
) -> dict[str, Any]:
    """A new rubric version. Before the first score it replaces the active one; after, the
    frozen one stays in force and the new version only serves the what-if report."""
    with uow:
        if uow.cycles.get(cycle_id) is None:
            raise NotFound("No such cycle.", "cycle.not_found")
        active = uow.cycles.rubric_row(cycle_id, round)
        version = uow.cycles.next_rubric_version(cycle_id, round)
        new = _rubric_from(definition, round, version)
        takes_effect = active is None or active["frozen_at"] is None
        uow.cycles.add_rubric(cycle_id, new, active=takes_effect)
        uow.audit.record(
            actor,
            "rubric_version_added",
            "cycle",
            cycle_id,
            {"round": round, "active_version": active["version"] if active else None},
            {"round": round, "version": version, "active": takes_effect},
        )
        return {**rubric.to_dict(new), "active": takes_effect, "frozen_at": None}


def rubric_view(
    cycle_id: str, round: str, uow: ReviewWork, version: int | None = None
) -> dict[str, Any]:
    with uow:
        row = uow.cycles.rubric_row(cycle_id, round, version)
        if row is None:
            raise NotFound("No such cycle or rubric version.", "cycle.not_found")
        return {**row["definition"], "active": row["active"], "frozen_at": row["frozen_at"]}


def _entries(
    uow: ReviewWork, cycle_id: str, round: str, category: str | None = None
) -> list[tuple[dict[str, Any], scoring.Entry]]:
    out = []
    for p in _registry_names(uow, uow.proposals.listing(cycle_id=cycle_id)):
        if category is not None and p.get("award_category") != category:
            continue
        s = (p.get("scores") or {}).get(round)
        if s and p["status"] != states.WITHDRAWN:
            score = scoring.ProposalScore(
                tuple(s["reviewer_totals"]), s["mean"], s["spread"], s["disagreement"]
            )
            out.append((p, scoring.Entry(p["id"], score, p["submitted_at"])))
    return out


def _row(p: dict[str, Any], ranked: scoring.Ranked) -> dict[str, Any]:
    s = ranked.entry.score
    return {
        "rank": ranked.rank,
        "proposal_id": p["id"],
        "title": p["title"],
        "agency_code": p["agency_code"],
        "agency_name": p["agency_name"],
        "status": p["status"],
        "mean_score": s.mean,
        "reviewer_totals": list(s.reviewer_totals),
        "spread": s.spread,
        "disagreement": s.disagreement,
        "verification": p.get("verification"),
        "award": p.get("award"),
        "award_category": p.get("award_category"),
    }


def ranking_in(
    uow: ReviewWork, cycle_id: str, round: str, category: str | None = None
) -> list[dict[str, Any]]:
    """Every proposal of the cycle scored in ``round``, best first (``scoring.TIE_BREAK_RULE``);
    only those of the award category ``category`` when one is named."""
    pairs = _entries(uow, cycle_id, round, category)
    by_id = {p["id"]: p for p, _ in pairs}
    return [_row(by_id[r.entry.proposal_id], r) for r in scoring.rank(e for _, e in pairs)]


def final_ranking_in(
    uow: ReviewWork, cycle_id: str, category: str | None = None
) -> list[dict[str, Any]]:
    """Finalists first, by panel score where the panel scored them, then the rest by desk score
    (only the proposals of ``category`` when one is named)."""
    desk = _entries(uow, cycle_id, rubric.DESK, category)
    panel = {p["id"]: e for p, e in _entries(uow, cycle_id, rubric.PANEL, category)}
    finalists = [(p, panel.get(p["id"], e)) for p, e in desk if p["status"] in FINALIST]
    others = [(p, e) for p, e in desk if p["status"] not in FINALIST]
    rows: list[dict[str, Any]] = []
    for group in (finalists, others):
        by_id = {p["id"]: p for p, _ in group}
        for r in scoring.rank(e for _, e in group):
            rows.append(_row(by_id[r.entry.proposal_id], scoring.Ranked(len(rows) + 1, r.entry)))
    return rows


def rankings_by_category(
    uow: ReviewWork, cycle: dict[str, Any], round: str
) -> list[dict[str, Any]]:
    """Side by side: per award category of the cycle, its sizes and its own ranking."""
    out = []
    for c in categories_of(cycle):
        items = (
            final_ranking_in(uow, cycle["id"], c.code)
            if round == "final"
            else ranking_in(uow, cycle["id"], round, c.code)
        )
        out.append(
            {
                "code": c.code,
                "name": c.name,
                "shortlist_size": c.shortlist_size,
                "award_count": c.award_count,
                "items": items,
            }
        )
    return out


def what_if(cycle_id: str, round: str, version: int, uow: ReviewWork) -> dict[str, Any]:
    """Re-score the recorded reviews under another rubric version; changes nothing."""
    with uow:
        cycle = uow.cycles.get(cycle_id)
        row = uow.cycles.rubric_row(cycle_id, round, version)
        if cycle is None or row is None:
            raise NotFound("No such cycle or rubric version.", "cycle.not_found")
        other = rubric.from_dict(row["definition"])
        totals: dict[str, list[float]] = {}
        for sub in uow.assignments.latest_submissions(cycle_id, round):
            totals.setdefault(sub["proposal_id"], []).append(
                rubric.weighted_total(other, sub["scores"])
            )
        recorded = {r["proposal_id"]: r for r in ranking_in(uow, cycle_id, round)}
        entries = []
        by_id = {}
        for p in _registry_names(uow, uow.proposals.listing(ids=list(totals))):
            if p["id"] in recorded:
                by_id[p["id"]] = p
                entries.append(
                    scoring.Entry(
                        p["id"],
                        scoring.summarise(totals[p["id"]], cycle["disagreement_spread"]),
                        p["submitted_at"],
                    )
                )
        rows = []
        for r in scoring.rank(entries):
            row_ = _row(by_id[r.entry.proposal_id], r)
            row_["recorded_rank"] = recorded[r.entry.proposal_id]["rank"]
            row_["recorded_mean_score"] = recorded[r.entry.proposal_id]["mean_score"]
            rows.append(row_)
        missing = sorted(
            {c.key for c in other.criteria}
            - {c.key for c in rubric_for_active(uow, cycle_id, round).criteria}
        )
        return {
            "round": round,
            "version": version,
            "criteria_without_recorded_scores": missing,
            "ranking": rows,
        }


def rubric_for_active(uow: ReviewWork, cycle_id: str, round: str) -> rubric.Rubric:
    row = uow.cycles.rubric_row(cycle_id, round)
    return rubric.from_dict(row["definition"]) if row else rubric.default_rubric(round)


def _registry_names(uow: ReviewWork, proposals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The proposals with their agency's name as the register has it now (it may have been
    renamed since the proposal was submitted)."""
    names = {a["agency_id"]: a["name"] for a in uow.agencies.listing()}
    return [{**p, "agency_name": names.get(p["agency_id"], p["agency_name"])} for p in proposals]


def participation_in(uow: ReviewWork, cycle_id: str) -> dict[str, Any]:
    """Per agency of the register (``agency.registered``): its proposals in this cycle,
    zero included. An agency known only from a proposal (announced before the register's
    events existed and not yet re-announced) is listed too."""
    cycle = uow.cycles.get(cycle_id)
    if cycle is None:
        raise NotFound("No such cycle.", "cycle.not_found")
    minimum, maximum = cycle.get("min_per_agency") or 0, cycle.get("max_per_agency")
    in_cycle = uow.proposals.listing(cycle_id=cycle_id)
    known = {
        a["agency_id"]: {
            "id": a["agency_id"],
            "code": a["code"],
            "name": a["name"],
            "kind": a["kind"],
            "parent_code": a["parent_code"],
        }
        for a in uow.agencies.listing()
    }
    for agency in uow.proposals.agencies():
        known.setdefault(agency["id"], {**agency, "kind": None, "parent_code": None})
    rows = []
    for agency in sorted(known.values(), key=lambda a: a["code"]):
        own = [
            p
            for p in in_cycle
            if p["agency_id"] == agency["id"] and p["status"] != states.WITHDRAWN
        ]
        rows.append(
            {
                **agency,
                "proposals": len(own),
                "titles": [p["title"] for p in own],
                "below_minimum": len(own) < minimum,
                "over_maximum": maximum is not None and len(own) > maximum,
            }
        )
    return {
        "note": "Every agency of the submission service's register, as announced to this "
        "service (agency.registered, agency.updated).",
        "agencies": rows,
        "min_per_agency": minimum,
        "max_per_agency": maximum,
        "without_proposal": [r["code"] for r in rows if r["proposals"] == 0],
        "more_than_one": [r["code"] for r in rows if r["proposals"] > 1],
        "below_minimum": [r["code"] for r in rows if r["below_minimum"]],
    }


def participation(cycle_id: str, uow: ReviewWork) -> dict[str, Any]:
    """``participation_in`` in its own read transaction."""
    with uow:
        return participation_in(uow, cycle_id)
