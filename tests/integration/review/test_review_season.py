"""Exports in the API as well as the UI (issue 15, item 7), on a real database: scores per
award category as JSON and CSV, and the season report (API and printable page)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from flask import Flask

from tests.integration.review.support import ADMIN, auth, create_account, login, make_app
from tests.integration.review.test_review_exports import _scored_cycle
from tests.integration.review.test_review_pages import log_in


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    app.extensions["inagara"].engine.dispose()


def test_scores_come_as_json_and_csv_and_only_to_readers(app: Flask) -> None:
    reviewer, _, cycle = _scored_cycle(app)
    api = app.test_client()

    answer = api.get(f"/v1/cycles/{cycle['id']}/scores?format=json", headers=auth(ADMIN))

    assert answer.status_code == 200, answer.json
    (row,) = answer.json["items"]
    assert row["round"] == "desk" and row["comment"] == "bagus" and row["weighted_total"] > 0
    assert row["scores"] and row["reviewer"] == reviewer["name"]
    spreadsheet = api.get(f"/v1/cycles/{cycle['id']}/scores?format=csv", headers=auth(ADMIN))
    assert spreadsheet.mimetype == "text/csv"
    (line,) = list(csv.DictReader(io.StringIO(spreadsheet.get_data(as_text=True))))
    assert line["proposal_id"] == row["proposal_id"] and line["title"].startswith("'=")
    assert (
        api.get(f"/v1/cycles/{cycle['id']}/scores?category=none", headers=auth(ADMIN)).json["items"]
        == []
    )
    assert api.get("/v1/cycles/nope/scores", headers=auth(ADMIN)).status_code == 404
    as_reviewer = auth(login(api, reviewer["email"]))
    assert api.get(f"/v1/cycles/{cycle['id']}/scores", headers=as_reviewer).status_code == 403
    assert api.get(f"/v1/cycles/{cycle['id']}/report", headers=as_reviewer).status_code == 403
    ranking = api.get(f"/v1/cycles/{cycle['id']}/ranking?format=json", headers=auth(ADMIN))
    assert (
        ranking.status_code == 200 and ranking.json["items"][0]["proposal_id"] == row["proposal_id"]
    )


def test_the_season_report_counts_stages_agencies_and_prints(app: Flask) -> None:
    _, secretary, cycle = _scored_cycle(app)
    api = app.test_client()
    observer = create_account(api, role="observer", name="Kantor Wali Kota")

    report = api.get(
        f"/v1/cycles/{cycle['id']}/report", headers=auth(login(api, observer["email"]))
    ).json

    assert report["total"] == 1 and report["per_stage"] == [{"status": "scored", "count": 1}]
    assert [a["code"] for a in report["per_agency"] if a["proposals"]] == ["DINKES"]
    assert report["winners"] == [] and report["participation"]["with_proposal"] == 1
    office = app.test_client()
    log_in(office, secretary["email"])
    assert b'id="season-report-link"' in office.get(f"/ui/cycles/{cycle['id']}").data
    page = office.get(f"/ui/cycles/{cycle['id']}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="season-report"' in html and "@media print" in html
    assert "Laporan siklus" in html, "Indonesian first"
    assert office.get("/ui/cycles/nope/report").status_code == 404
