"""Correcting course over the real processes (issue 15, item 5): an agency withdraws a
proposal already with its reviewer, reopens it inside the window, and adds an addendum.
The reviewer keeps the assignment and gets exactly one assignment email (caught by the
mail catcher); the addendum reaches the review service; the timeline shows every step."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from deploy.local.mailcatcher import read_mail
from deploy.local.stack import DEMO_PROPOSAL, Stack
from tests.e2e.stacks import session_stack_config
from tests.e2e.test_review_timeline import ADMIN, PASSWORD, Review, eventually

pytestmark = pytest.mark.e2e
PDF = b"%PDF-1.7\n" + b"0" * 400


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
        extra_env={"EVIDENCE_DIR": str(tmp_path / "evidence")},
    )
    stack = Stack(config).start()
    yield stack
    stack.stop()


def test_a_reopened_proposal_keeps_its_reviewer_untold_and_an_addendum_reaches_review(
    stack: Stack,
) -> None:
    review = Review(stack)
    stack.await_agencies("PENILAIX")
    reviewer_email = f"penilai-{uuid.uuid4().hex[:6]}@penilai.example.go.id"
    made = review.call(
        "POST",
        "/v1/users",
        json={
            "name": "Penilai Koreksi",
            "email": reviewer_email,
            "password": PASSWORD,
            "agency_code": "PENILAIX",
        },
    )
    assert made.status_code == 201, made.text
    now = datetime.now(UTC)
    cycle = review.call(
        "POST",
        "/v1/cycles",
        json={
            "name": "Koreksi e2e",
            "year": now.year,
            "submission_opens_at": (now - timedelta(days=1)).isoformat(),
            "submission_closes_at": (now + timedelta(days=30)).isoformat(),
            "review_deadline": (now + timedelta(days=60)).isoformat(),
            "reviewers_per_proposal": 1,
        },
    )
    assert cycle.status_code == 201, cycle.text
    cid = cycle.json()["id"]
    submission = stack.config.base_url("submission")
    key = stack.create_demo_agency("DINKOREKSI", "Dinas Koreksi")
    agency = {"Authorization": f"Bearer {key}"}

    def submitted() -> dict[str, Any] | None:
        answer = requests.post(
            f"{submission}/v1/proposals",
            json={**DEMO_PROPOSAL, "title": "Inovasi yang dikoreksi", "cycle_id": cid},
            headers={**agency, "Idempotency-Key": str(uuid.uuid4())},
            timeout=10,
        )
        return dict(answer.json()) if answer.status_code == 201 else None

    pid = eventually(submitted, "the proposal accepted in the cycle")["id"]

    def review_status(wanted: str) -> Callable[[], dict[str, Any] | None]:
        def probe() -> dict[str, Any] | None:
            found = review.call("GET", f"/v1/proposals/{pid}").json()
            return found if found.get("status") == wanted else None

        return probe

    eventually(review_status("assigned"), "the proposal assigned to its reviewer")

    def assignment_mails() -> list[Any]:
        return [m for m in read_mail(stack.config.mail_dir) if reviewer_email in m.rcpt_tos]

    (first_notice,) = eventually(assignment_mails, "the reviewer's assignment email")

    def in_review_at_submission() -> dict[str, Any] | None:
        # The submission worker projects the assignment onto the proposal (in_review); a
        # withdrawal read before that projection and written after it is refused with 409
        # proposal.changed ("read it again and retry"), as the API promises.
        found = requests.get(f"{submission}/v1/proposals/{pid}", headers=agency, timeout=10)
        return found.json() if found.json().get("status") == "in_review" else None

    eventually(in_review_at_submission, "the assignment projected at the submission service")
    withdrawn = requests.post(
        f"{submission}/v1/proposals/{pid}/withdraw", json={}, headers=agency, timeout=10
    )
    assert withdrawn.status_code == 200, withdrawn.text
    eventually(review_status("withdrawn"), "the withdrawal in review")

    reopened = requests.post(f"{submission}/v1/proposals/{pid}/reopen", headers=agency, timeout=10)

    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["id"] == pid
    eventually(review_status("assigned"), "the proposal back with its reviewer")
    added = requests.post(
        f"{submission}/v1/proposals/{pid}/addenda",
        files={"file": ("foto-lapangan.pdf", io.BytesIO(PDF), "application/pdf")},
        data={"note": "Foto uji coba di lapangan"},
        headers=agency,
        timeout=10,
    )
    assert added.status_code == 201, added.text
    with_addendum = eventually(
        lambda: (lambda p: p if p.get("addenda") else None)(
            review.call("GET", f"/v1/proposals/{pid}").json()
        ),
        "the addendum in review",
    )
    assert with_addendum["addenda"][0]["note"] == "Foto uji coba di lapangan"
    timeline = requests.get(
        f"{submission}/v1/proposals/{pid}/timeline", headers=agency, timeout=10
    ).json()["items"]
    types = [i["type"] for i in timeline]
    assert types.index("proposal.withdrawn") < types.index("proposal.reopened")
    assert types[-1] == "proposal.addendum_added" or "proposal.addendum_added" in types
    assert types.count("review.assigned") == 1, "one assignment on the agency's timeline"
    # The addendum came after the reopening on the same partition and the review worker
    # has handled both: no second assignment was raised, so no second email can come.
    assert len(assignment_mails()) == 1, [m.subject for m in assignment_mails()]
    assert first_notice.subject
    assert not stack.failed()
