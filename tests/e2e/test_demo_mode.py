"""Demo data apart from real data (issue 16, item 1), through the real processes.

A start with demo mode off (as compose and Kubernetes start: they never seed) holds
no demo row in any service's database, also after real traffic. ``make run``'s demo
mode seeds under codes and addresses of its own; the real ``DINKES`` registers next
to it; ``python -m deploy.local.demo clean`` removes the demo from every database and
leaves the real agency's proposal where it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import MetaData, select

from deploy.local import demo
from deploy.local.stack import DEMO_PROPOSAL, SERVICES, Stack, bring_up
from shared.platform.db import make_engine
from tests.brokers import Broker
from tests.e2e.stacks import session_stack_config
from tests.polling import eventually

pytestmark = pytest.mark.e2e
ADMIN = "e2e-demo-admin"
REAL_INNOVATOR = {"name": "Dewi Lestari", "email": "dewi@dinkes.go.id", "phone": "081277700011"}


def make_stack(
    demo_mode: bool, kafka_bootstrap: str, database_factory: Callable[[], str], tmp_path: Path
) -> Stack:
    return Stack(
        session_stack_config(
            tmp_path,
            kafka_bootstrap,
            database_factory,
            ADMIN,
            web_workers=1,
            portal=True,
            demo=demo_mode,
            extra_env={"EVIDENCE_DIR": str(tmp_path / "evidence")},
        )
    )


# Each stack gets a broker of its own: the session's broker holds other tests' demo
# agencies and people, which a fresh deployment's workers would read and keep.
@pytest.fixture
def production_stack(
    own_broker: Broker, database_factory: Callable[[], str], tmp_path: Path
) -> Iterator[Stack]:
    stack = make_stack(False, own_broker.bootstrap_servers, database_factory, tmp_path)
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def demo_stack(
    own_broker: Broker, database_factory: Callable[[], str], tmp_path: Path
) -> Iterator[Stack]:
    stack = make_stack(True, own_broker.bootstrap_servers, database_factory, tmp_path)
    try:
        yield stack
    finally:
        stack.stop()


def admin(stack: Stack, method: str, path: str, body: object = None) -> requests.Response:
    return requests.request(
        method,
        f"{stack.config.base_url('submission')}{path}",
        json=body,
        headers={"Authorization": f"Bearer {ADMIN}", "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )


def register_real_dinkes(stack: Stack) -> str:
    """The real DINKES through the API, as the secretariat registers it; its key."""
    made = admin(
        stack,
        "POST",
        "/v1/agencies",
        {
            "code": "DINKES",
            "name": "Dinas Kesehatan",
            "type": "dinas",
            "contact_email": "inovasi@dinkes.go.id",
        },
    )
    assert made.status_code == 201, made.text
    key = admin(stack, "POST", f"/v1/agencies/{made.json()['id']}/keys", {"role": "agency_admin"})
    assert key.status_code == 201, key.text
    secret: str = key.json()["secret"]
    return secret


def submit(stack: Stack, key: str, profile: dict[str, Any]) -> str:
    created = requests.post(
        f"{stack.config.base_url('submission')}/v1/proposals",
        json=profile,
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    proposal_id: str = created.json()["id"]
    return proposal_id


def wait_delivered(stack: Stack, proposal_id: str) -> None:
    """Until the notification service holds deliveries of the proposal (it went all the
    way through review's intake to the notification worker)."""

    def deliveries() -> list[Any]:
        answer = requests.get(
            f"{stack.config.base_url('notification')}/v1/deliveries",
            params={"proposal_id": proposal_id},
            headers={"Authorization": f"Bearer {ADMIN}"},
            timeout=10,
        )
        items: list[Any] = answer.json()["items"] if answer.ok else []
        return items

    eventually(deliveries, what=f"deliveries of {proposal_id}", timeout_s=60)


def holders(urls: dict[str, str], needle: str) -> dict[str, set[str]]:
    """The tables of each database that hold ``needle`` anywhere in a row."""
    held: dict[str, set[str]] = {}
    for service, url in urls.items():
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                metadata = MetaData()
                metadata.reflect(conn)
                for table in metadata.sorted_tables:
                    for row in conn.execute(select(table)):
                        if any(needle in str(value) for value in row):
                            held.setdefault(service, set()).add(table.name)
        finally:
            engine.dispose()
    return held


def test_a_start_with_demo_mode_off_holds_no_demo_row(production_stack: Stack) -> None:
    stack = production_stack
    assert bring_up(stack) is None
    key = register_real_dinkes(stack)
    proposal_id = submit(stack, key, {**DEMO_PROPOSAL, "innovators": [REAL_INNOVATOR]})
    wait_delivered(stack, proposal_id)

    urls = stack.config.database_urls
    assert demo.find(urls) == {}
    for marker in (demo.CODE_PREFIX, "@" + demo.EMAIL_DOMAIN):
        assert holders(urls, marker) == {}
    # No account at all: nobody can log in to the review UI of a fresh deployment.
    users = requests.get(
        f"{stack.config.base_url('review')}/v1/users",
        headers={"Authorization": f"Bearer {ADMIN}"},
        timeout=10,
    )
    assert users.status_code == 200 and users.json()["items"] == []
    assert not stack.failed()


def test_demo_mode_seeds_apart_and_one_command_removes_only_the_demo(demo_stack: Stack) -> None:
    stack = demo_stack
    seeded = bring_up(stack)
    assert seeded is not None and seeded.hook_url
    demo_proposal = submit(stack, seeded.api_key, DEMO_PROPOSAL)  # README's curl
    key = register_real_dinkes(stack)  # next to DEMO-DINKES
    real_proposal = submit(stack, key, {**DEMO_PROPOSAL, "innovators": [REAL_INNOVATOR]})
    refused = admin(
        stack, "POST", "/v1/agencies", {"code": "demo-x", "name": "Palsu", "type": "dinas"}
    )
    assert refused.status_code == 422 and "code" in refused.json()["errors"], refused.text
    wait_delivered(stack, demo_proposal)
    wait_delivered(stack, real_proposal)

    urls = stack.config.database_urls
    found = demo.find(urls)
    assert {"agencies", "api_keys", "proposals", "webhook_endpoints"} <= set(found["submission"])
    assert {"review_users", "review_proposals"} <= set(found["review"])
    assert {"deliveries", "webhook_endpoints", "proposals"} <= set(found["notification"])
    # The results service keeps only what the secretariat published: nothing of it yet.
    assert set(holders(urls, demo_proposal)) == set(SERVICES) - {"results"}
    stack.stop()

    env = {
        **os.environ,
        **{f"{service.upper()}_DATABASE_URL": url for service, url in urls.items()},
    }
    cleaned = subprocess.run(
        [sys.executable, "-m", "deploy.local.demo", "clean"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert cleaned.returncode == 0, cleaned.stderr
    assert "submission: removed" in cleaned.stdout

    assert demo.find(urls) == {}
    for needle in (demo_proposal, demo.CODE_PREFIX, "@" + demo.EMAIL_DOMAIN):
        assert holders(urls, needle) == {}, needle
    kept = holders(urls, real_proposal)
    assert {"proposals"} <= kept["submission"]
    assert {"review_proposals"} <= kept["review"]
    assert {"deliveries", "proposals"} <= kept["notification"]
    assert "agencies" in holders(urls, "inovasi@dinkes.go.id")["submission"]
