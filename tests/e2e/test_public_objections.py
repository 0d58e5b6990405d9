"""The public objection window (uji publik) over the real processes: the secretariat
publishes the shortlist, someone objects without a login, the notification service
mails them a receipt (their address sealed in the event, opened with the review
service's key), the category's awards are refused while the objection is open, the
secretariat answers and resolves it (the answer mailed), then the awards are decided.
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
from tests.e2e.test_award_categories import CATEGORIES, _reviewer
from tests.e2e.test_review_timeline import Review, eventually

pytestmark = pytest.mark.e2e
ADMIN = "e2e-review-admin"
KEYS_TOKEN = "e2e-subject-keys-token"
AGENCIES = {"DINKES": "public_service", "BAPPEDA": "governance"}


@pytest.fixture
def stack(
    kafka_bootstrap: str, database_factory: Callable[[], str], tmp_path: Path
) -> Iterator[Stack]:
    ports = {service: free_port() for service in SERVICES}
    config = StackConfig(
        var_dir=tmp_path / "var",
        admin_token=ADMIN,
        ports=ports,
        broker_port=0,
        smtp_port=free_port(),
        kafka_bootstrap_servers=kafka_bootstrap,
        database_urls={service: database_factory() for service in SERVICES},
        web_workers=1,
        extra_env={
            "SUBJECT_KEYS_TOKEN": KEYS_TOKEN,
            "OBJECTOR_KEYS_URL": f"http://127.0.0.1:{ports['review']}",
        },
    )
    stack = Stack(config).start()
    yield stack
    stack.stop()


def _season(stack: Stack, review: Review) -> tuple[str, dict[str, str]]:
    """A cycle with two categories, one proposal in each, both shortlisted."""
    stack.await_agencies(*(f"PENILAI{i}" for i in range(3)))
    tokens = [_reviewer(review, f"PENILAI{i}") for i in range(3)]
    now = datetime.now(UTC)
    cycle = review.call(
        "POST",
        "/v1/cycles",
        json={
            "name": "Uji publik e2e",
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
        body = {**DEMO_PROPOSAL, "title": f"Inovasi {code}", "form": form, "cycle_id": cid}

        def submitted(body: dict[str, Any] = body, key: str = key) -> dict[str, Any] | None:
            answer = requests.post(
                f"{submission}/v1/proposals",
                json=body,
                headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
                timeout=10,
            )
            return dict(answer.json()) if answer.status_code == 201 else None

        ids[code] = eventually(submitted, f"{code}'s proposal accepted")["id"]
    eventually(
        lambda: (
            all(
                review.call("GET", f"/v1/proposals/{pid}").json().get("status") == "assigned"
                for pid in ids.values()
            )
            or None
        ),
        "both proposals assigned",
    )
    rubric = review.call("GET", f"/v1/cycles/{cid}/rubrics/desk").json()
    for token in tokens:
        for held in review.call("GET", "/v1/assignments", token).json()["items"]:
            if held["proposal_id"] not in ids.values():
                continue
            scores = {c["key"]: min(c["scale_max"], 3) for c in rubric["criteria"]}
            answer = review.call(
                "PUT", f"/v1/assignments/{held['id']}/review", token, json={"scores": scores}
            )
            assert answer.status_code == 200, answer.text
    for pid in ids.values():
        shortlisted = review.call(
            "POST", f"/v1/proposals/{pid}/decisions", json={"decision": "shortlist"}
        )
        assert shortlisted.status_code == 200, shortlisted.text
    return cid, ids


def _mails_to(stack: Stack, address: str, said: str) -> list[Any]:
    return [
        m
        for m in read_mail(stack.config.mail_dir)
        if address in m.rcpt_tos and said in m.part("plain")
    ]


def test_an_objection_holds_back_the_awards_until_resolved_and_the_objector_hears_both(
    stack: Stack,
) -> None:
    review = Review(stack)
    cid, ids = _season(stack, review)
    published = review.call("POST", f"/v1/cycles/{cid}/shortlist/publication", json={"days": 7})
    assert published.status_code == 200, published.text
    assert [e["proposal_id"] for e in published.json()["entries"]] == [
        ids["DINKES"],
        ids["BAPPEDA"],
    ]

    objector = f"warga-{uuid.uuid4().hex[:6]}@example.org"
    filed = requests.post(
        f"{review.base}/v1/public/objections",
        data={
            "proposal_id": ids["DINKES"],
            "name": "Warga Peduli",
            "email": objector,
            "reason": "Inovasi ini sudah berjalan sejak 2019 di daerah lain; bukan inovasi baru.",
        },
        files={"file": ("bukti.pdf", b"%PDF-1.4\n% bukti\n", "application/pdf")},
        timeout=10,
    )
    assert filed.status_code == 201, filed.text
    objection_id = filed.json()["id"]
    receipt = eventually(
        lambda: _mails_to(stack, objector, "Keberatan Anda atas inovasi"),
        "the objector's receipt",
    )
    assert len(receipt) == 1 and "Inovasi DINKES" in receipt[0].subject

    held = review.call(
        "POST",
        f"/v1/cycles/{cid}/awards",
        json={"category": "pelayanan_publik", "awards": [{"proposal_id": ids["DINKES"]}]},
    )
    assert held.status_code == 409 and held.json()["code"] == "award.objection_open", held.text

    resolved = review.call(
        "POST",
        f"/v1/objections/{objection_id}/answer",
        json={"answer": "Sudah kami verifikasi: inovasi ini dikembangkan.", "status": "resolved"},
    )
    assert resolved.status_code == 200, resolved.text
    answer = eventually(
        lambda: _mails_to(stack, objector, "Sudah kami verifikasi"), "the answer mailed"
    )
    assert len(answer) == 1

    awarded = review.call(
        "POST",
        f"/v1/cycles/{cid}/awards",
        json={"category": "pelayanan_publik", "awards": [{"proposal_id": ids["DINKES"]}]},
    )
    assert awarded.status_code == 200, awarded.text
    assert awarded.json()["awarded"] == [ids["DINKES"]]
    assert not stack.failed()
