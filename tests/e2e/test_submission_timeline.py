"""A review fact produced onto ``inagara.reviews`` reaches the agency's timeline
through the real processes: gunicorn, the submission worker and the broker."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from deploy.local.ports import free_port
from deploy.local.stack import DEMO_PROPOSAL, SERVICES, Stack, StackConfig
from shared.envelope import to_record
from shared.events.catalog import REVIEWS
from tests.e2e.test_walking_skeleton import eventually
from tests.integration.submission import review_events as ev
from tests.kafka_io import produce_raw

pytestmark = pytest.mark.e2e
ADMIN = "e2e-admin-token"


@pytest.fixture
def submission_stack(
    kafka_bootstrap: str, database_factory: Callable[[], str], tmp_path: Path
) -> Iterator[Stack]:
    config = StackConfig(
        var_dir=tmp_path / "var",
        admin_token=ADMIN,
        ports={service: free_port() for service in SERVICES},
        broker_port=0,
        smtp_port=free_port(),
        kafka_bootstrap_servers=kafka_bootstrap,
        database_urls={"submission": database_factory()},
        web_workers=1,
        extra_env={"EVIDENCE_DIR": str(tmp_path / "evidence")},
    )
    stack = Stack(config)
    try:
        stack.start_web("submission")
        yield stack
    finally:
        stack.stop()


def test_a_review_event_shows_in_the_proposals_timeline_and_status(
    submission_stack: Stack, kafka_bootstrap: str
) -> None:
    stack = submission_stack
    base = stack.config.base_url("submission")
    key = stack.create_demo_agency()
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())}
    created = requests.post(f"{base}/v1/proposals", json=DEMO_PROPOSAL, headers=headers, timeout=10)
    assert created.status_code == 201, created.text
    proposal_id = created.json()["id"]

    # Only the submission worker: the other services are not part of this path.
    stack.start_worker("submission")
    stack.wait_consuming("submission")
    fact = ev.decision("proposal.shortlisted", proposal_id, rank=1, note="Masuk 10 besar")
    record = to_record(fact)
    produce_raw(kafka_bootstrap, REVIEWS, record.key, record.value, record.headers)

    def shortlisted() -> Any:
        response = requests.get(
            f"{base}/v1/proposals/{proposal_id}/timeline", headers=headers, timeout=5
        )
        items = response.json()["items"]
        return items if any(i["type"] == "proposal.shortlisted" for i in items) else None

    timeline = eventually(shortlisted, timeout_s=30, what="the shortlisting in the timeline")
    assert [i["type"] for i in timeline] == ["proposal.submitted", "proposal.shortlisted"]
    assert timeline[1]["facts"]["note"] == "Masuk 10 besar"
    proposal = requests.get(f"{base}/v1/proposals/{proposal_id}", headers=headers, timeout=5).json()
    assert proposal["status"] == "shortlisted"
    assert not stack.failed()
