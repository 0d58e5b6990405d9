"""A whole award cycle over the real processes, and every step on the submission timeline.

Five agencies submit through the submission API; the review worker screens and
assigns; three reviewers each score through the review API; the secretariat
shortlists, rejects and awards. Each proposal's timeline in the submission
service (built from the review events it consumes) must show every step.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests

from deploy.local.stack import DEMO_PROPOSAL, Stack
from tests.e2e.stacks import session_stack_config

pytestmark = pytest.mark.e2e
ADMIN = "e2e-review-admin"
PASSWORD = "correct horse battery"
AGENCIES = ("DINKES", "DISDIK", "DISHUB", "BAPPEDA", "PDAM")
T = TypeVar("T")


def eventually(probe: Callable[[], T | None], what: str, timeout_s: float = 45) -> T:
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s}s: {what}")
        time.sleep(0.1)


@pytest.fixture
def stack(
    kafka_bootstrap: str, database_factory: Callable[[], str], tmp_path: Path
) -> Iterator[Stack]:
    config = session_stack_config(
        tmp_path,
        kafka_bootstrap,
        database_factory,
        ADMIN,
        web_workers=1,
    )
    stack = Stack(config).start()
    yield stack
    stack.stop()


class Review:
    def __init__(self, stack: Stack) -> None:
        self.base = stack.config.base_url("review")

    def call(self, method: str, path: str, token: str = ADMIN, **kwargs: Any) -> requests.Response:
        return requests.request(
            method,
            f"{self.base}{path}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
            **kwargs,
        )


def test_every_step_of_a_cycle_reaches_the_submission_timeline(stack: Stack) -> None:
    review = Review(stack)
    reviewers = []
    stack.await_agencies(*AGENCIES)  # the review service refuses unknown agency codes
    for code in AGENCIES:
        email = f"{code.lower()}-{uuid.uuid4().hex[:6]}@penilai.example.go.id"
        made = review.call(
            "POST",
            "/v1/users",
            json={
                "name": f"Penilai {code}",
                "email": email,
                "password": PASSWORD,
                "agency_code": code,
                "phone": "081234567890",
            },
        )
        assert made.status_code == 201, made.text
        token = requests.post(
            f"{review.base}/v1/auth/tokens", json={"email": email, "password": PASSWORD}, timeout=10
        ).json()["token"]
        reviewers.append(token)
    now = datetime.now(UTC)
    cycle = review.call(
        "POST",
        "/v1/cycles",
        json={
            "name": "Inovasi Daerah e2e",
            "year": now.year,
            "submission_opens_at": (now - timedelta(days=1)).isoformat(),
            "submission_closes_at": (now + timedelta(days=30)).isoformat(),
            "review_deadline": (now + timedelta(days=60)).isoformat(),
            "award_count": 2,
        },
    )
    assert cycle.status_code == 201, cycle.text
    cid = cycle.json()["id"]

    submission = stack.config.base_url("submission")
    keys = [stack.create_demo_agency(code, f"Dinas {code}") for code in AGENCIES]

    def cycle_known() -> bool:
        # The submission service learns of the cycle from the review's event, not at once.
        answer = requests.get(
            f"{submission}/v1/cycles", headers={"Authorization": f"Bearer {keys[0]}"}, timeout=5
        )
        return any(item["id"] == cid for item in answer.json()["items"])

    eventually(cycle_known, "the cycle announced to the submission service")
    ids = []
    for code, key in zip(AGENCIES, keys, strict=True):
        answer = requests.post(
            f"{submission}/v1/proposals",
            # The cycle named: earlier tests on the shared broker may have announced
            # cycles of their own that are open too.
            json={**DEMO_PROPOSAL, "title": f"Inovasi {code}", "cycle_id": cid},
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        ids.append((answer.json()["id"], key))

    def all_assigned() -> bool:
        return all(
            review.call("GET", f"/v1/proposals/{pid}").json().get("status") == "assigned"
            for pid, _ in ids
        )

    eventually(all_assigned, "five proposals screened and assigned")
    rubric = review.call("GET", f"/v1/cycles/{cid}/rubrics/desk").json()
    strength = {pid: 1 + i % 3 for i, (pid, _) in enumerate(ids)}
    for token in reviewers:
        for held in review.call("GET", "/v1/assignments", token).json()["items"]:
            if held["proposal_id"] not in strength:
                continue  # another test's proposal redelivered on the shared broker: not ours
            level = strength[held["proposal_id"]]
            scores = {c["key"]: min(c["scale_max"], level) for c in rubric["criteria"]}
            answer = review.call(
                "PUT", f"/v1/assignments/{held['id']}/review", token, json={"scores": scores}
            )
            assert answer.status_code == 200, answer.text
    ranking = review.call("GET", f"/v1/cycles/{cid}/ranking").json()["items"]
    order = [row["proposal_id"] for row in ranking if row["proposal_id"] in strength]
    assert len(order) == 5
    for pid in order[:3]:
        assert (
            review.call(
                "POST", f"/v1/proposals/{pid}/decisions", json={"decision": "shortlist"}
            ).status_code
            == 200
        )
    assert (
        review.call(
            "POST",
            f"/v1/proposals/{order[3]}/decisions",
            json={"decision": "reject", "note": "Kurang bukti"},
        ).status_code
        == 200
    )
    awarded = review.call(
        "POST",
        f"/v1/cycles/{cid}/awards",
        json={
            "awards": [
                {"proposal_id": order[0], "award": "Juara 1"},
                {"proposal_id": order[1], "award": "Juara 2"},
            ]
        },
    )
    assert awarded.status_code == 200, awarded.text

    final = {
        order[0]: "proposal.awarded",
        order[1]: "proposal.awarded",
        order[2]: "proposal.not_awarded",
        order[3]: "proposal.rejected",
        order[4]: "proposal.not_awarded",
    }
    for pid, key in ids:

        def steps(pid: str = pid, key: str = key) -> Counter[str] | None:
            got = requests.get(
                f"{submission}/v1/proposals/{pid}/timeline",
                headers={"Authorization": f"Bearer {key}"},
                timeout=10,
            )
            counted = (
                Counter(item["type"] for item in got.json()["items"])
                if got.status_code == 200
                else Counter()
            )
            return counted if counted[final[pid]] == 1 else None

        seen = eventually(steps, f"the whole path on {pid}'s timeline")
        assert seen["proposal.screened"] == 1
        assert seen["review.assigned"] == 3 and seen["review.submitted"] == 3
        assert seen["proposal.scored"] == 1
        if pid in order[:3]:
            assert seen["proposal.shortlisted"] == 1
    assert not stack.failed()
