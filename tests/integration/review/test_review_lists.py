"""Lists on the pages that can grow are searchable (?q=) and paged (?page=, ?per_page=)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from tests.integration.review.support import (
    AGENCIES,
    create_account,
    create_cycle,
    deliver,
    make_app,
    submitted_event,
)
from tests.integration.review.test_review_language import log_in, text


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    app.extensions["inagara"].engine.dispose()


def rows(page: str, table: str) -> int:
    found = re.search(rf'<table id="{table}">(.*?)</table>', page, re.S)
    assert found, table
    return found.group(1).count("<tr") - 1  # the header row


def test_the_cycle_page_searches_and_pages_its_lists(app: Flask) -> None:
    api = app.test_client()
    for code in ("X1", "X2"):
        create_account(api, agency_code=code)
    secretary = create_account(api, role="secretariat")
    cycle = create_cycle(api, reviewers_per_proposal=1)
    for code in AGENCIES:
        deliver(app, submitted_event(code))
    office = app.test_client()
    log_in(office, secretary["email"])
    path = f"/ui/cycles/{cycle['id']}"

    first = text(office, f"{path}?per_page=2")
    assert rows(first, "assignments-overview") == 2
    assert "5 ditemukan" in first and "halaman 1 dari 3" in first
    assert f'href="{path}?per_page=2&amp;apage=2"' in first
    last = text(office, f"{path}?per_page=2&apage=3")
    assert rows(last, "assignments-overview") == 1 and "halaman 3 dari 3" in last
    assert 'rel="prev"' in last and 'rel="next"' not in last.split('id="ranking"')[0]

    one = text(office, f"{path}?q=dinas+dishub")
    assert rows(one, "assignments-overview") == 1 and "Inovasi DISHUB" in one
    assert "Inovasi DINKES" not in one and 'value="dinas dishub"' in one
    none = text(office, f"{path}?q=nothing-like-this")
    assert "Belum ada penugasan." in none

    participation = text(office, f"{path}/participation?q=PDAM")
    assert rows(participation, "participation") == 1 and "Dinas PDAM" in participation
    assert rows(text(office, "/ui/cycles?q=2026"), "cycles") == 1
    assert rows(text(office, "/ui/cycles?q=1999"), "cycles") == 1  # the "no cycle yet" row
    assert "Belum ada siklus." in text(office, "/ui/cycles?q=1999")


def test_the_reviewer_searches_their_assignments(app: Flask) -> None:
    api = app.test_client()
    reviewer = create_account(api, agency_code="X")
    create_cycle(api, reviewers_per_proposal=1)
    for code in AGENCIES:
        deliver(app, submitted_event(code))
    client = app.test_client()
    log_in(client, reviewer["email"])
    assert rows(text(client, "/ui/assignments"), "assignments") == 5
    assert rows(text(client, "/ui/assignments?q=pdam"), "assignments") == 1
    paged = text(client, "/ui/assignments?per_page=4&page=2")
    assert rows(paged, "assignments") == 1 and "halaman 2 dari 2" in paged
    assert rows(text(client, "/ui/assignments?per_page=x&page=-3"), "assignments") == 5
