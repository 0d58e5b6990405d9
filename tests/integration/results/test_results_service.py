"""The results service on a real database (SQLite and PostgreSQL): the two publications
projected exactly once through the inbox, and what the public pages and the feed show of
them: exactly what was published, scores only when published, never a reviewer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from services.results.store.tables import entries as entries_table
from services.results.store.tables import inbox
from tests.integration.results.support import (
    CONFIG,
    days,
    deliver,
    entry,
    make_app,
    results_event,
    shortlist_event,
)

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url, clock=lambda: NOW)
    yield app
    app.extensions["inagara"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _season() -> tuple[str, list[dict], list[dict]]:
    cycle_id = str(uuid.uuid4())
    shortlist = [
        entry("Posyandu Digital", "pelayanan_publik", 1, summary="Antrean posyandu daring"),
        entry("Sekolah Ramah Anak", "pelayanan_publik", 2, agency_code="DISDIK",
              agency_name="Dinas Pendidikan"),
        entry("e-Perencanaan", "tata_kelola", 1, agency_code="BAPPEDA",
              agency_name="Badan Perencanaan"),
    ]  # fmt: skip
    results = [
        {**shortlist[0], "award": "Juara 1", "score": 88.5},
        {**shortlist[1], "award": None, "score": 71.25},
        {**shortlist[2], "award": "Terbaik Tata Kelola", "score": 80.0},
    ]
    return cycle_id, shortlist, results


def test_a_published_shortlist_shows_per_category_with_the_objection_link_while_open(
    app: Flask, client: FlaskClient
) -> None:
    cycle_id, shortlist, _ = _season()
    deliver(app, shortlist_event(cycle_id, shortlist, close_at=NOW + days(7)))

    feed = client.get(f"/v1/cycles/{cycle_id}")
    assert feed.status_code == 200, feed.json
    assert feed.json["stage"] == "shortlist" and feed.json["objections_open"] is True
    groups = {g["code"]: g for g in feed.json["by_category"]}
    assert list(groups) == ["pelayanan_publik", "tata_kelola"]
    first = groups["pelayanan_publik"]["shortlist"][0]
    assert first["title"] == "Posyandu Digital" and first["rank"] == 1
    assert first["objection_url"] == (
        f"https://penilaian.example.go.id/publik/keberatan?proposal={shortlist[0]['proposal_id']}"
    )
    assert groups["pelayanan_publik"]["awards"] == [], "a shortlist awards nothing"
    assert "score" not in first

    page = client.get(f"/siklus/{cycle_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="id">' in text
    assert "Ajukan keberatan" in text and "/publik/keberatan?proposal=" in text
    assert "Hasil akhir belum diumumkan." in text
    assert f'href="{CONFIG.privacy_url}"' in text
    listed = client.get("/").get_data(as_text=True)
    assert "Daftar nominasi dalam uji publik" in listed and "Anugerah Inovasi 2026" in listed


def test_once_the_window_closes_no_objection_link_is_offered(database_url: str) -> None:
    app = make_app(database_url, clock=lambda: NOW + days(8))
    try:
        cycle_id, shortlist, _ = _season()
        deliver(app, shortlist_event(cycle_id, shortlist, close_at=NOW + days(7)))
        client = app.test_client()
        record = client.get(f"/v1/cycles/{cycle_id}").json
        assert record["objections_open"] is False
        assert all("objection_url" not in e for g in record["by_category"] for e in g["shortlist"])
        text = client.get(f"/siklus/{cycle_id}").get_data(as_text=True)
        assert "Masa uji publik telah berakhir." in text and "Ajukan keberatan" not in text
    finally:
        app.extensions["inagara"].engine.dispose()


def test_published_results_show_finalists_and_awards_side_by_side_without_scores(
    app: Flask, client: FlaskClient
) -> None:
    cycle_id, shortlist, results = _season()
    deliver(app, shortlist_event(cycle_id, shortlist, close_at=NOW - days(1)))
    deliver(app, results_event(cycle_id, results, scores=False))

    record = client.get(f"/v1/cycles/{cycle_id}").json
    assert record["stage"] == "results" and record["scores_published"] is False
    groups = {g["code"]: g for g in record["by_category"]}
    assert [e["title"] for e in groups["pelayanan_publik"]["shortlist"]] == [
        "Posyandu Digital",
        "Sekolah Ramah Anak",
    ]
    assert [(e["title"], e["award"]) for e in groups["pelayanan_publik"]["awards"]] == [
        ("Posyandu Digital", "Juara 1")
    ]
    assert [e["award"] for e in groups["tata_kelola"]["awards"]] == ["Terbaik Tata Kelola"]
    every = [e for g in record["by_category"] for e in g["shortlist"]]
    assert all("score" not in e for e in every), "scores were not published"
    with app.extensions["inagara"].engine.connect() as conn:
        kept = conn.execute(select(entries_table.c.score)).scalars().all()
    assert set(kept) == {None}, "an unpublished score is not even kept"

    page = client.get(f"/siklus/{cycle_id}").get_data(as_text=True)
    assert "Juara 1" in page and "Terbaik Tata Kelola" in page
    assert "88.5" not in page and ">Nilai</th>" not in page
    assert "Nilai tidak diumumkan untuk siklus ini." in page
    assert "Ajukan keberatan" not in page
    english = client.get(f"/siklus/{cycle_id}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Awards" in english
    assert f'href="{CONFIG.privacy_url}?lang=en"' in english
    cycles = client.get("/v1/cycles").json["items"]
    assert [c["cycle_id"] for c in cycles] == [cycle_id]


def test_scores_appear_only_when_the_secretariat_publishes_them(
    app: Flask, client: FlaskClient
) -> None:
    cycle_id, _, results = _season()
    deliver(app, results_event(cycle_id, results, scores=True))
    record = client.get(f"/v1/cycles/{cycle_id}").json
    scores = {e["title"]: e["score"] for g in record["by_category"] for e in g["shortlist"]}
    assert scores == {"Posyandu Digital": 88.5, "Sekolah Ramah Anak": 71.25, "e-Perencanaan": 80.0}
    page = client.get(f"/siklus/{cycle_id}").get_data(as_text=True)
    assert "88.50" in page and ">Nilai</th>" in page


def test_each_event_is_projected_once_and_an_older_publication_never_undoes_a_newer(
    app: Flask, client: FlaskClient
) -> None:
    cycle_id, _, results = _season()
    newer = results_event(cycle_id, results, scores=True, published_at=NOW)
    older = results_event(
        cycle_id, [{**results[0], "award": "Juara Lama"}], published_at=NOW - days(1)
    )
    deliver(app, newer)
    deliver(app, newer)  # redelivered: the inbox drops it
    deliver(app, older)  # late: the newer publication stays
    engine = app.extensions["inagara"].engine
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(inbox)).scalar() == 2
        assert conn.execute(select(func.count()).select_from(entries_table)).scalar() == 3
    record = client.get(f"/v1/cycles/{cycle_id}").json
    awards = [e["award"] for g in record["by_category"] for e in g["awards"]]
    assert awards == ["Juara 1", "Terbaik Tata Kelola"]

    # A later publication (scores withdrawn) replaces the record whole.
    deliver(app, results_event(cycle_id, results[:1], published_at=NOW + days(1)))
    record = client.get(f"/v1/cycles/{cycle_id}").json
    shown = [e for g in record["by_category"] for e in g["shortlist"]]
    assert [e["title"] for e in shown] == ["Posyandu Digital"]
    assert "score" not in shown[0] and record["scores_published"] is False


def test_the_catalogue_searches_awarded_innovations_across_cycles(
    app: Flask, client: FlaskClient
) -> None:
    first, _, results = _season()
    deliver(app, results_event(first, results, name="Anugerah Inovasi 2025", year=2025))
    second = str(uuid.uuid4())
    deliver(
        app,
        results_event(
            second,
            [entry("Air Bersih Cerdas", None, 1, agency_code="PDAM", agency_name="PDAM Kota",
                   summary="Meteran air pintar 100% daring", award="Juara Umum")],
            name="Anugerah Inovasi 2026",
            categories=[],
        ),
    )  # fmt: skip

    def titles(query: str) -> list[str]:
        answer = client.get(f"/v1/catalog{query}")
        assert answer.status_code == 200, answer.json
        return [i["title"] for i in answer.json["items"]]

    assert titles("") == ["Air Bersih Cerdas", "Posyandu Digital", "e-Perencanaan"]
    assert "Sekolah Ramah Anak" not in titles(""), "not awarded: not in the catalogue"
    assert titles("?q=posyandu") == ["Posyandu Digital"]  # the summary and title, any case
    assert titles("?q=badan%20perencanaan") == ["e-Perencanaan"]  # the agency's name
    assert titles("?q=100%25") == ["Air Bersih Cerdas"]  # a literal %
    assert titles("?q=_") == [], "a literal underscore matches nothing here"
    assert titles("?year=2025") == ["Posyandu Digital", "e-Perencanaan"]
    assert titles("?category=tata_kelola") == ["e-Perencanaan"]
    assert titles("?agency=PDAM") == ["Air Bersih Cerdas"]
    assert titles("?year=2025&agency=PDAM") == []
    nul = client.get("/v1/catalog?q=a%00b")  # PostgreSQL refuses a NUL in text: a 422 first
    assert nul.status_code == 422 and "q" in nul.json["errors"]
    bad = client.get("/v1/catalog?year=dua")
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert "score" not in client.get("/v1/catalog").json["items"][0]

    page = client.get("/katalog?q=air")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Air Bersih Cerdas" in text
    assert "Posyandu Digital" not in text.split('id="catalog"')[1]
    assert "1 inovasi ditemukan." in text
    wrong = client.get("/katalog?year=dua")
    assert wrong.status_code == 422 and "year" in wrong.get_data(as_text=True)


def test_nothing_unpublished_is_found(client: FlaskClient) -> None:
    missing = client.get(f"/v1/cycles/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json["code"] == "cycle.not_found"
    assert client.get(f"/siklus/{uuid.uuid4()}").status_code == 404
    assert client.get("/v1/cycles").json == {"items": []}
    page = client.get("/").get_data(as_text=True)
    assert "Belum ada hasil yang diumumkan." in page


def test_health_and_metrics_like_every_service(client: FlaskClient) -> None:
    assert client.get("/healthz").json == {"status": "ok", "service": "results"}
    assert client.get("/readyz?only=database").status_code == 200
    assert client.get("/metrics").status_code == 200
