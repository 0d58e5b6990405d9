"""A season with two award categories over the real stack through to published results:
the review service decides the awards per category, the shortlist goes out for public
objection (``cycle.shortlist_published``, published here as its producer would), the
secretariat publishes the results, and the results service's public page and feed show
exactly what was published: the finalists per category in rank order, the awards, no
scores (not chosen), no reviewer, nothing of the proposal never shortlisted."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from deploy.local.ports import free_port
from deploy.local.stack import DEMO_PROPOSAL, SERVICES, Stack, StackConfig
from shared.events.catalog import REVIEWS
from shared.events.envelope import to_record
from shared.events.producer import KafkaPublisher
from tests.e2e.test_award_categories import _reviewer
from tests.e2e.test_review_timeline import Review, eventually
from tests.integration.results.support import shortlist_event

pytestmark = pytest.mark.e2e
ADMIN = "e2e-review-admin"  # what Review.call sends (tests/e2e/test_review_timeline.py)
AGENCIES = {"DINKES": "public_service", "DISDIK": "public_service", "BAPPEDA": "governance"}
AGENCIES |= {"DISKOMINFO": "governance"}
STRENGTH = {"DINKES": 3, "DISDIK": 2, "BAPPEDA": 1, "DISKOMINFO": 3}
CATEGORIES = [
    {
        "code": "pelayanan_publik",
        "name": "Pelayanan Publik",
        "shortlist_size": 2,
        "award_count": 1,
        "match": {"form": ["public_service"]},
    },
    {"code": "tata_kelola", "name": "Tata Kelola", "shortlist_size": 1, "award_count": 1},
]


@pytest.fixture
def stack(
    kafka_bootstrap: str, database_factory: Callable[[], str], tmp_path: Path
) -> Iterator[Stack]:
    config = StackConfig(
        var_dir=tmp_path / "var",
        admin_token=ADMIN,
        ports={service: free_port() for service in SERVICES},
        broker_port=0,
        smtp_port=free_port(),
        kafka_bootstrap_servers=kafka_bootstrap,
        database_urls={service: database_factory() for service in SERVICES},
        web_workers=1,
    )
    stack = Stack(config).start()
    yield stack
    stack.stop()


def _season(stack: Stack, review: Review) -> tuple[str, dict[str, str]]:
    """A cycle with two categories, four proposals scored; returns the cycle and the
    proposal id of each agency."""
    stack.await_agencies(*(f"PENILAI{i}" for i in range(3)))
    tokens = [_reviewer(review, f"PENILAI{i}") for i in range(3)]
    now = datetime.now(UTC)
    cycle = review.call(
        "POST",
        "/v1/cycles",
        json={
            "name": f"Anugerah Inovasi {uuid.uuid4().hex[:4]}",
            "year": now.year,
            "submission_opens_at": (now - timedelta(days=1)).isoformat(),
            "submission_closes_at": (now + timedelta(days=30)).isoformat(),
            "review_deadline": (now + timedelta(days=60)).isoformat(),
            "categories": CATEGORIES,
        },
    )
    assert cycle.status_code == 201, cycle.text
    cid = cycle.json()["id"]
    submission = stack.config.base_url("submission")
    ids: dict[str, str] = {}
    for code, form in AGENCIES.items():
        key = stack.create_demo_agency(code, f"Dinas {code}")
        body = {
            **DEMO_PROPOSAL,
            "title": f"Inovasi {code}",
            "summary": f"Ringkasan inovasi {code} untuk direplikasi",
            "form": form,
            "cycle_id": cid,
            "innovators": [
                {
                    "name": f"Inovator {code}",
                    "email": f"i-{code.lower()}-{uuid.uuid4().hex[:6]}@example.go.id",
                    "phone": "081234567890",
                }
            ],
        }

        def submitted(body: dict[str, Any] = body, key: str = key) -> dict[str, Any] | None:
            answer = requests.post(
                f"{submission}/v1/proposals",
                json=body,
                headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
                timeout=10,
            )
            return dict(answer.json()) if answer.status_code == 201 else None

        ids[code] = eventually(submitted, f"{code}'s proposal accepted")["id"]

    def assigned() -> bool:
        seen = [review.call("GET", f"/v1/proposals/{pid}").json() for pid in ids.values()]
        return all(p.get("status") == "assigned" for p in seen)

    eventually(assigned, "every proposal screened and assigned")
    rubric = review.call("GET", f"/v1/cycles/{cid}/rubrics/desk").json()
    code_of = {pid: code for code, pid in ids.items()}
    for token in tokens:
        for held in review.call("GET", "/v1/assignments", token).json()["items"]:
            if held["proposal_id"] in code_of:
                level = STRENGTH[code_of[held["proposal_id"]]]
                scores = {c["key"]: min(c["scale_max"], level) for c in rubric["criteria"]}
                answer = review.call(
                    "PUT", f"/v1/assignments/{held['id']}/review", token, json={"scores": scores}
                )
                assert answer.status_code == 200, answer.text
    return cid, ids


def test_the_public_page_and_feed_show_exactly_the_published_results(stack: Stack) -> None:
    review = Review(stack)
    public = stack.config.base_url("results")
    cid, ids = _season(stack, review)
    for code in ("DINKES", "DISDIK", "DISKOMINFO"):
        decided = review.call(
            "POST", f"/v1/proposals/{ids[code]}/decisions", json={"decision": "shortlist"}
        )
        assert decided.status_code == 200, decided.text

    # The objection window: the shortlist published as the review service publishes it.
    cycle = review.call("GET", f"/v1/cycles/{cid}").json()
    entries = [
        {"proposal_id": ids[code], "title": f"Inovasi {code}", "agency_code": code,
         "agency_name": f"Dinas {code}", "category": category, "category_name": name, "rank": rank}
        for code, category, name, rank in (
            ("DINKES", "pelayanan_publik", "Pelayanan Publik", 1),
            ("DISDIK", "pelayanan_publik", "Pelayanan Publik", 2),
            ("DISKOMINFO", "tata_kelola", "Tata Kelola", 1),
        )
    ]  # fmt: skip
    event = shortlist_event(
        cid, entries, close_at=datetime.now(UTC) + timedelta(days=7), name=cycle["name"]
    )
    publisher = KafkaPublisher(stack.bootstrap_servers)
    try:
        record = to_record(event)
        publisher.publish(REVIEWS, record.key, record.value, record.headers)
        publisher.flush(10)
    finally:
        publisher.close()

    def objection_links() -> str | None:
        page = requests.get(f"{public}/siklus/{cid}", timeout=10)
        return page.text if page.status_code == 200 and "Ajukan keberatan" in page.text else None

    page = eventually(objection_links, "the shortlist on the public page, open for objection")
    review_base = stack.config.base_url("review")
    assert f"{review_base}/publik/keberatan?proposal={ids['DINKES']}" in page

    early = review.call("POST", f"/v1/cycles/{cid}/results", json={})
    assert early.status_code == 409, "awards are not decided yet"
    for category, code, award in (("pelayanan_publik", "DINKES", "Juara 1"),
                                  ("tata_kelola", "DISKOMINFO", "Terbaik")):  # fmt: skip
        awarded = review.call(
            "POST",
            f"/v1/cycles/{cid}/awards",
            json={"category": category, "awards": [{"proposal_id": ids[code], "award": award}]},
        )
        assert awarded.status_code == 200, awarded.text
    published = review.call("POST", f"/v1/cycles/{cid}/results", json={"scores": False})
    assert published.status_code == 200, published.text

    def results() -> dict[str, Any] | None:
        answer = requests.get(f"{public}/v1/cycles/{cid}", timeout=10)
        return (
            answer.json()
            if answer.status_code == 200 and answer.json()["stage"] == "results"
            else None
        )

    feed = eventually(results, "the published results in the feed")
    side = {g["code"]: g for g in feed["by_category"]}
    assert list(side) == ["pelayanan_publik", "tata_kelola"]
    assert [
        (e["proposal_id"], e["rank"], e["award"]) for e in side["pelayanan_publik"]["shortlist"]
    ] == [
        (ids["DINKES"], 1, "Juara 1"),
        (ids["DISDIK"], 2, None),
    ]
    assert [e["proposal_id"] for e in side["pelayanan_publik"]["awards"]] == [ids["DINKES"]]
    assert [(e["proposal_id"], e["award"]) for e in side["tata_kelola"]["awards"]] == [
        (ids["DISKOMINFO"], "Terbaik")
    ]
    assert side["tata_kelola"]["shortlist"][0]["summary"].startswith("Ringkasan inovasi")
    text = str(feed)
    assert ids["BAPPEDA"] not in text, "never shortlisted: not in the public record"
    assert "Penilai" not in text and "@" not in text, "no reviewer, no address"
    assert feed["scores_published"] is False
    every = [e for g in feed["by_category"] for e in (*g["shortlist"], *g["awards"])]
    assert every and all("score" not in e for e in every), "scores were not published"

    page = requests.get(f"{public}/siklus/{cid}", timeout=10).text
    assert "Juara 1" in page and "Terbaik" in page and "Inovasi BAPPEDA" not in page
    assert "Penilai" not in page and ">Nilai</th>" not in page and "Ajukan keberatan" not in page
    assert f"{stack.config.base_url('notification')}/privasi" in page
    catalog = requests.get(f"{public}/v1/catalog", params={"q": "inovasi dinkes"}, timeout=10)
    assert [i["proposal_id"] for i in catalog.json()["items"]] == [ids["DINKES"]]
    assert not stack.failed()
