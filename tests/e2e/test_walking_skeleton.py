"""One proposal through the real processes: gunicorn, workers, broker, aiosmtpd.

The stack is the one `make run` starts, on free ports and a temporary folder.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import requests
from kafka import KafkaAdminClient
from kafka.structs import TopicPartition

from deploy.local.mailcatcher import CaughtMail, read_mail
from deploy.local.ports import free_port
from deploy.local.stack import DEMO_PROPOSAL, SERVICES, Stack, StackConfig
from shared.events.catalog import PROPOSALS
from tests.e2e.stacks import session_stack_config
from tests.kafka_io import read_topic

pytestmark = [pytest.mark.e2e, pytest.mark.both_databases]
ADMIN = "e2e-admin-token"
T = TypeVar("T")


def eventually(probe: Callable[[], T | None], timeout_s: float = 20, what: str = "") -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s}s: {what}")
        time.sleep(0.05)


@pytest.fixture
def stack(
    kafka_bootstrap: str, database_factory: Callable[[], str], tmp_path: Path
) -> Iterator[Stack]:
    config = session_stack_config(
        tmp_path,
        kafka_bootstrap,
        database_factory,
        ADMIN,
        web_workers=2,
        metrics_ports={service: free_port() for service in SERVICES},
        extra_env={"KAFKA_COMMIT_INTERVAL_MS": "600000"},
    )
    stack = Stack(config).start()
    yield stack
    stack.stop()


def mail_to(stack: Stack, address: str) -> list[CaughtMail]:
    return [m for m in read_mail(stack.config.mail_dir) if address in m.rcpt_tos]


def submit(stack: Stack, key: str, **changes: Any) -> dict[str, Any]:
    started = time.monotonic()
    response = requests.post(
        f"{stack.config.base_url('submission')}/v1/proposals",
        json={**DEMO_PROPOSAL, **changes},
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    return {**response.json(), "_posted_at": started}


def admin_get(stack: Stack, service: str, path: str) -> requests.Response:
    return requests.get(
        f"{stack.config.base_url(service)}{path}",
        headers={"Authorization": f"Bearer {ADMIN}"},
        timeout=5,
    )


def committed_offsets(bootstrap: str, group: str) -> dict[TopicPartition, Any]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","))
    try:
        offsets = admin.list_group_offsets(group)
    finally:
        admin.close()
    return {
        tp: meta
        for tp, meta in offsets.get(group, offsets).items()
        if tp.topic == PROPOSALS and meta.offset >= 0
    }


def metrics(url: str) -> str:
    return requests.get(url, timeout=5).text


def assert_metrics_show_the_trip(stack: Stack) -> None:
    """/metrics of the web processes (two gunicorn workers each) and of the workers."""
    web = metrics(f"{stack.config.base_url('submission')}/metrics")
    assert (
        'inagara_http_requests_total{method="POST",route="/v1/proposals",service="submission",status="201"}'
        in web
    )
    assert 'inagara_outbox_backlog{service="submission"}' in web
    assert "inagara_outbox_oldest_unsent_age_seconds" in web

    def worker(service: str) -> str:
        return metrics(f"http://127.0.0.1:{stack.config.metrics_ports[service]}/metrics")

    published = 'inagara_events_published_total{service="submission",topic="inagara.proposals",type="proposal.submitted"}'
    assert published in worker("submission")
    for service in ("review", "notification"):
        text = eventually(
            lambda s=service: (t := worker(s)) and "inagara_consumer_lag{" in t and t,
            what=f"{service} lag",
        )
        assert (
            f'inagara_events_consumed_total{{outcome="handled",service="{service}",topic="inagara.proposals",type="proposal.submitted"}}'
            in text
        )
        assert "inagara_handler_duration_seconds_bucket" in text
    delivered = 'inagara_deliveries_total{channel="email",outcome="sent"}'
    assert delivered in worker("notification")


def test_a_proposal_travels_from_the_portal_to_review_and_to_the_innovators_inbox(
    stack: Stack, kafka_bootstrap: str
) -> None:
    key = stack.create_demo_agency()
    address = f"innovator-{uuid.uuid4().hex[:8]}@dinkes.example.go.id"
    title = f"Posyandu Digital <{uuid.uuid4().hex[:6]}>"
    proposal = submit(
        stack,
        key,
        title=title,
        innovators=[{"name": "Siti", "email": address, "phone": "0812-3456-7890"}],
    )
    assert proposal["status"] == "submitted"

    mails = eventually(lambda: mail_to(stack, address), what="the confirmation email")
    delivered_after = time.monotonic() - proposal["_posted_at"]
    assert len(mails) == 1
    mail = mails[0]
    assert title in mail.subject
    assert mail.subject.startswith("Usulan inovasi diterima")
    assert proposal["id"] in mail.part("plain")
    assert title in mail.part("plain")
    assert "&lt;" in mail.part("html") and title not in mail.part("html"), (
        "the title is escaped in HTML"
    )

    def review_view() -> dict[str, Any] | None:
        response = admin_get(stack, "review", f"/v1/proposals/{proposal['id']}")
        return response.json() if response.status_code == 200 else None  # 404 until it arrives

    reviewed = eventually(review_view, what="the proposal in the review service")
    # Screening runs on arrival; with no reviewers registered it stops at "screened".
    assert reviewed["status"] in {"received", "screened", "assigned"}
    assert reviewed["title"] == title
    assert admin_get(stack, "review", f"/v1/proposals/{proposal['id']}").status_code == 200

    deliveries = eventually(
        lambda: [
            d
            for d in admin_get(
                stack, "notification", f"/v1/deliveries?proposal_id={proposal['id']}"
            ).json()["items"]
            if d["status"] == "sent"
        ],
        what="a sent delivery",
    )
    assert [(d["channel"], d["recipient"]) for d in deliveries] == [("email", address)]
    print(f"\nPOST → email accepted by SMTP: {delivered_after * 1000:.0f} ms")
    assert_metrics_show_the_trip(stack)

    # The worker commits offsets only every 10 minutes here, so SIGKILL leaves
    # the event uncommitted: the restarted worker reads it again, and the inbox
    # and the delivery records must keep it from mailing twice.
    stack.kill("notification-worker")
    record = next(
        r
        for r in read_topic(kafka_bootstrap, PROPOSALS, expect=1_000_000, timeout_s=2, settle_s=0)
        if r.key == proposal["id"].encode()
    )
    committed = committed_offsets(kafka_bootstrap, "inagara.notification").get(
        TopicPartition(PROPOSALS, record.partition)
    )
    assert committed is None or committed.offset <= record.offset, (
        "the event must still be uncommitted"
    )
    stack.restart("notification-worker")
    second_address = f"second-{uuid.uuid4().hex[:8]}@dinkes.example.go.id"
    submit(
        stack, key, innovators=[{"name": "Budi", "email": second_address, "phone": "081298765432"}]
    )
    eventually(lambda: mail_to(stack, second_address), timeout_s=30, what="mail after the restart")
    assert len(mail_to(stack, address)) == 1, "the restarted worker sent the first email again"
    assert not stack.failed()


def test_the_broker_being_down_does_not_fail_a_submission(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    dead_broker = f"127.0.0.1:{free_port()}"
    config = StackConfig(
        var_dir=tmp_path / "var",
        admin_token=ADMIN,
        ports={"submission": free_port(), "review": free_port(), "notification": free_port()},
        broker_port=0,
        smtp_port=free_port(),
        kafka_bootstrap_servers=dead_broker,
        web_workers=1,
    )
    config.database_urls = {s: f"sqlite:///{tmp_path}/{s}.db" for s in SERVICES}
    stack = Stack(config)
    try:
        stack.start_web("submission")
        key = stack.create_demo_agency()
        proposal = submit(stack, key)
        assert proposal["status"] == "submitted"
        ready = requests.get(f"{config.base_url('submission')}/readyz", timeout=5)
        assert ready.status_code == 503 and ready.json()["checks"] == {
            "database": True,
            "broker": False,
        }
        probe = requests.get(f"{config.base_url('submission')}/readyz?only=database", timeout=5)
        assert probe.status_code == 200, "a broker outage must not take the pod out of service"
    finally:
        stack.stop()
