"""A season with two award categories over the real processes: agencies submit through
the portal API, the review worker places each proposal in its category, the secretariat
ranks, shortlists and awards per category, and every innovator's email names it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from deploy.local.mailcatcher import read_mail
from deploy.local.ports import free_port
from deploy.local.stack import DEMO_PROPOSAL, SERVICES, Stack, StackConfig
from tests.e2e.test_review_timeline import PASSWORD, Review, eventually

pytestmark = pytest.mark.e2e
ADMIN = "e2e-review-admin"
AGENCIES = {"DINKES": "public_service", "DISDIK": "public_service", "BAPPEDA": "governance"}
AGENCIES |= {"DISKOMINFO": "governance"}
CATEGORIES = [
    {
        "code": "pelayanan_publik",
        "name": "Pelayanan Publik",
        "shortlist_size": 1,
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


def _reviewer(review: Review, code: str) -> str:
    email = f"{code.lower()}-{uuid.uuid4().hex[:6]}@penilai.example.go.id"
    made = review.call(
        "POST",
        "/v1/users",
        json={"name": f"Penilai {code}", "email": email, "password": PASSWORD, "agency_code": code},
    )
    assert made.status_code == 201, made.text
    answer = requests.post(
        f"{review.base}/v1/auth/tokens", json={"email": email, "password": PASSWORD}, timeout=10
    )
    return str(answer.json()["token"])


def test_two_categories_are_ranked_and_awarded_apart_and_each_innovator_hears_which(
    stack: Stack,
) -> None:
    review = Review(stack)
    stack.await_agencies(*(f"PENILAI{i}" for i in range(3)))  # reviewers' agencies: registered
    tokens = [_reviewer(review, f"PENILAI{i}") for i in range(3)]
    now = datetime.now(UTC)
    cycle = review.call(
        "POST",
        "/v1/cycles",
        json={
            "name": "Anugerah Inovasi e2e",
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
    proposals: dict[str, dict[str, Any]] = {}
    for code, form in AGENCIES.items():
        key = stack.create_demo_agency(code, f"Dinas {code}")
        address = f"inovator-{code.lower()}-{uuid.uuid4().hex[:6]}@example.go.id"
        innovators = [{"name": f"Inovator {code}", "email": address, "phone": "081234567890"}]
        body = {
            **DEMO_PROPOSAL,
            "title": f"Inovasi {code}",
            "form": form,
            "cycle_id": cid,
            "innovators": innovators,
        }

        def submitted(body: dict[str, Any] = body, key: str = key) -> dict[str, Any] | None:
            # The submission service learns of the cycle from the review's event.
            answer = requests.post(
                f"{submission}/v1/proposals",
                json=body,
                headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
                timeout=10,
            )
            return dict(answer.json()) if answer.status_code == 201 else None

        made = eventually(submitted, f"{code}'s proposal accepted in the cycle")
        proposals[made["id"]] = {"code": code, "address": address}

    def placed() -> dict[str, str] | None:
        seen = {pid: review.call("GET", f"/v1/proposals/{pid}").json() for pid in proposals}
        if all(p.get("status") == "assigned" for p in seen.values()):
            return {pid: p["award_category"] for pid, p in seen.items()}
        return None

    categories = eventually(placed, "every proposal screened, assigned and placed")
    expected = {"public_service": "pelayanan_publik", "governance": "tata_kelola"}
    assert categories == {pid: expected[AGENCIES[p["code"]]] for pid, p in proposals.items()}

    rubric = review.call("GET", f"/v1/cycles/{cid}/rubrics/desk").json()
    strength = {"DINKES": 3, "DISDIK": 1, "BAPPEDA": 1, "DISKOMINFO": 3}
    for token in tokens:
        for held in review.call("GET", "/v1/assignments", token).json()["items"]:
            if held["proposal_id"] not in proposals:
                continue  # another test's proposal on the shared broker
            level = strength[proposals[held["proposal_id"]]["code"]]
            scores = {c["key"]: min(c["scale_max"], level) for c in rubric["criteria"]}
            answer = review.call(
                "PUT", f"/v1/assignments/{held['id']}/review", token, json={"scores": scores}
            )
            assert answer.status_code == 200, answer.text

    ranking = review.call("GET", f"/v1/cycles/{cid}/ranking").json()
    best = {c["code"]: c["items"][0]["proposal_id"] for c in ranking["by_category"]}
    assert {proposals[pid]["code"] for pid in best.values()} == {"DINKES", "DISKOMINFO"}
    for code, pid in best.items():
        shortlisted = review.call(
            "POST", f"/v1/proposals/{pid}/decisions", json={"decision": "shortlist"}
        )
        assert shortlisted.status_code == 200, shortlisted.text
        awarded = review.call(
            "POST",
            f"/v1/cycles/{cid}/awards",
            json={"category": code, "awards": [{"proposal_id": pid, "award": "Terbaik"}]},
        )
        assert awarded.status_code == 200, awarded.text
    assert review.call("GET", f"/v1/cycles/{cid}").json()["status"] == "awarded"

    names = {"pelayanan_publik": "Pelayanan Publik", "tata_kelola": "Tata Kelola"}
    for pid, p in proposals.items():
        category = names[categories[pid]]
        said = (
            f"meraih penghargaan Terbaik kategori {category}"
            if pid in best.values()
            else f"belum meraih penghargaan kategori {category}"
        )
        mails = eventually(
            lambda a=p["address"], said=said: [
                m
                for m in read_mail(stack.config.mail_dir)
                if a in m.rcpt_tos and said in m.part("plain")
            ],
            f"{p['code']}'s innovator told: {said}",
        )
        assert len(mails) == 1, [m.subject for m in mails]
    assert not stack.failed()
