"""The secretariat's reports: the pipeline, a cycle's participation, the ranking and scores as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import (
    Response,
    abort,
    render_template,
)

from services.review.api import pipeline
from services.review.api.pages import bp, login_required, transaction
from services.review.domain import rubric, states
from services.review.store import assignments, cycles, people, proposals
from services.review.usecases import cycles as cycle_cases


@bp.route("/pipeline")
@login_required("secretariat")
def pipeline_page() -> str:
    return render_template(
        "pages/pipeline.html", status=pipeline.current_status(), stage_order=states.STATES
    )


@bp.route("/cycles/<cycle_id>/participation")
@login_required("secretariat")
def participation(cycle_id: str) -> str:
    with transaction() as conn:
        cycle = cycles.get(conn, cycle_id)
        if cycle is None:
            abort(404)
        report = cycle_cases.participation(conn, cycle_id)
    return render_template("pages/participation.html", cycle=cycle, report=report)


def _csv_cell(value: Any) -> Any:
    # A cell starting like a formula would run in a spreadsheet: neutralise it.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(name: str, header: list[str], rows: list[list[Any]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[_csv_cell(v) for v in row] for row in rows])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/cycles/<cycle_id>/ranking.csv")
@login_required("secretariat")
def ranking_csv(cycle_id: str) -> Response:
    with transaction() as conn:
        if cycles.get(conn, cycle_id) is None:
            abort(404)
        rows = cycle_cases.ranking(conn, cycle_id, rubric.DESK)
    return _csv(
        f"ranking-{cycle_id}.csv",
        [
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
        ],
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
            ]
            for r in rows
        ],
    )


@bp.route("/cycles/<cycle_id>/scores.csv")
@login_required("secretariat")
def scores_csv(cycle_id: str) -> Response:
    with transaction() as conn:
        if cycles.get(conn, cycle_id) is None:
            abort(404)
        in_cycle = proposals.listing(conn, cycle_id=cycle_id)
        names = {u["id"]: u["name"] for u in people.listing(conn)}
        rows = []
        for p in in_cycle:
            for a in assignments.of_proposal(conn, p["id"]):
                if a["status"] == "submitted":
                    rows.append(
                        [
                            p["id"],
                            p["title"],
                            p["agency_code"],
                            a["round"],
                            names.get(a["reviewer_id"], ""),
                            a["rubric_version"],
                            a["weighted_total"],
                            " ".join(f"{k}={v}" for k, v in sorted((a["scores"] or {}).items())),
                            a["comment"] or "",
                            a["submitted_at"].isoformat(),
                        ]
                    )
    return _csv(
        f"scores-{cycle_id}.csv",
        [
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
        ],
        rows,
    )
