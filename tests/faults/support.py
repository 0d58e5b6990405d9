"""What the fault tests share: a lean local stack, fast submissions, and counts
read from the services' own databases, the mail catcher and the SMS gateway."""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import requests
from kafka import KafkaProducer
from sqlalchemy import func, select

from deploy.local.mailcatcher import read_mail
from deploy.local.ports import free_port
from deploy.local.smsgateway import read_sms
from deploy.local.stack import DEMO_PROPOSAL, SERVICES, Stack, StackConfig
from services.notification.domain import SENT
from services.notification.store.tables import deliveries
from services.notification.usecases.dispatch import PRESUMED
from services.review.store.tables import proposals as review_proposals
from services.submission.store.tables import outbox, timeline
from shared.events.catalog import PROPOSALS
from shared.events.envelope import Event, Record
from shared.platform.db import make_engine
from tests import polling
from tests.unit.notification import factories
from tools.dlq import DeadLetter, read_all

ADMIN = "faults-admin-token"
T = TypeVar("T")

# Short timeouts so that a killed worker's partitions move on quickly, quiet
# hours off (the SMS would wait for the morning) and no rate limit worth the name.
LEAN_ENV = {
    "KAFKA_SESSION_TIMEOUT_MS": "3000",
    "KAFKA_HEARTBEAT_INTERVAL_MS": "500",
    "SMS_QUIET_HOURS": "",
    "EMAIL_RATE_PER_S": "100000",
    "SMS_RATE_PER_S": "100000",
    "NOTIFICATION_SEND_LEASE_S": "5",
    "NOTIFICATION_RETRY_BASE_S": "0.2",
    "NOTIFICATION_OUTAGE_BACKOFF_MAX_S": "1",
    # The fault tests count one SMS per assignment, hundreds per reviewer a day: no cap
    # (the cap would fold them into a digest, which is tested on its own).
    "INSTANT_DAILY_CAP": "0",
    "LOG_LEVEL": "WARNING",
}


def eventually(probe: Callable[[], T | None], timeout_s: float, what: str) -> T:
    """``tests.polling.eventually`` in the fault tests' argument order (their waits are
    minutes long, so a coarser step)."""
    return polling.eventually(probe, what, timeout_s=timeout_s, step_s=0.2)


def lean_stack(
    tmp_path: Path,
    kafka_bootstrap: str,
    database_urls: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Stack:
    """One process per service, SQLite unless told, mail catcher and SMS gateway."""
    config = StackConfig(
        var_dir=tmp_path / "var",
        admin_token=ADMIN,
        ports={service: free_port() for service in SERVICES},
        broker_port=0,
        smtp_port=free_port(),
        kafka_bootstrap_servers=kafka_bootstrap,
        database_urls=dict(database_urls or {})
        or {s: f"sqlite:///{tmp_path}/{s}.db" for s in SERVICES},
        web_workers=1,
        extra_env={**LEAN_ENV, **(extra_env or {})},
        sms_gateway=True,
        sms_port=free_port(),
    )
    return Stack(config)


@dataclass(frozen=True)
class Submitted:
    id: str
    email: str
    phone: str
    title: str = ""


def proposal_body(run: str, n: int) -> dict[str, Any]:
    innovator = {
        "name": f"Inovator {n}",
        "email": f"i{n}-{run}@dinkes.example.go.id",
        "phone": f"0812{n:08d}",
    }
    return {**DEMO_PROPOSAL, "title": f"Fault {run} #{n}", "innovators": [innovator]}


def post_proposal(
    session: requests.Session, base_url: str, key: str, body: dict[str, Any], timeout_s: float = 30
) -> requests.Response:
    """POST one proposal; a connection error is retried with the same Idempotency-Key."""
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())}
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return session.post(
                f"{base_url}/v1/proposals", json=body, headers=headers, timeout=timeout_s
            )
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def submit_many(stack: Stack, key: str, count: int, threads: int = 8) -> list[Submitted]:
    """POST ``count`` proposals from a thread pool; every answer must be 201."""
    run = uuid.uuid4().hex[:6]
    base_url = stack.config.base_url("submission")
    local = threading.local()

    def one(n: int) -> Submitted:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        body = proposal_body(run, n)
        response = post_proposal(local.session, base_url, key, body)
        assert response.status_code == 201, response.text
        innovator = body["innovators"][0]
        phone = "+62" + innovator["phone"][1:]
        return Submitted(response.json()["id"], innovator["email"], phone, body["title"])

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(count)))


def review_statuses(stack: Stack) -> Counter[str]:
    """How many proposals the review service holds in each status."""
    engine = make_engine(stack.config.database_urls["review"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(review_proposals.c.status, func.count()).group_by(review_proposals.c.status)
            ).all()
    finally:
        engine.dispose()
    return Counter({status: count for status, count in rows})


def review_status_of(stack: Stack, ids: list[str]) -> dict[str, str]:
    engine = make_engine(stack.config.database_urls["review"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(review_proposals.c.id, review_proposals.c.status)).all()
    finally:
        engine.dispose()
    wanted = set(ids)
    return {row.id: row.status for row in rows if row.id in wanted}


def timeline_types(stack: Stack) -> dict[str, Counter[str]]:
    """Per proposal, how often each review fact is on its submission timeline."""
    engine = make_engine(stack.config.database_urls["submission"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(timeline.c.proposal_id, timeline.c.type)).all()
    finally:
        engine.dispose()
    found: dict[str, Counter[str]] = {}
    for row in rows:
        found.setdefault(row.proposal_id, Counter())[row.type] += 1
    return found


def unsent(stack: Stack) -> int:
    """Events in the submission service's outbox not yet acknowledged by the broker."""
    engine = make_engine(stack.config.database_urls["submission"])
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def mail_count(stack: Stack) -> Counter[str]:
    """Emails received per recipient address."""
    return Counter(rcpt for m in read_mail(stack.config.mail_dir) for rcpt in m.rcpt_tos)


def sms_count(stack: Stack) -> Counter[str]:
    """SMS received per phone number."""
    return Counter(s.to for s in read_sms(stack.config.sms_dir))


def admin(stack: Stack, method: str, service: str, path: str, body: Any = None) -> Any:
    response = requests.request(
        method,
        f"{stack.config.base_url(service)}{path}",
        json=body,
        headers={"Authorization": f"Bearer {ADMIN}"},
        timeout=30,
    )
    assert response.status_code < 300, response.text
    return response.json()


def prepare_review(stack: Stack, reviewers_per_proposal: int) -> None:
    """The demo review team, each reviewer able to take 1,000 proposals, and an open
    cycle giving each proposal ``reviewers_per_proposal`` reviewers.

    The demo reviewers' default load (10) would leave all but the first
    proposals screened and unassigned, and the API caps a load at 1,000.
    """
    stack.create_demo_review_team()
    for user in admin(stack, "GET", "review", "/v1/users")["items"]:
        if user["role"] == "reviewer":
            admin(stack, "PATCH", "review", f"/v1/users/{user['id']}", {"max_load": 1000})
    now = datetime.now(UTC)
    admin(
        stack,
        "POST",
        "review",
        "/v1/cycles",
        {
            "name": "Fault injection",
            "year": now.year,
            "submission_opens_at": (now - timedelta(hours=1)).isoformat(),
            "submission_closes_at": (now + timedelta(days=1)).isoformat(),
            "review_deadline": (now + timedelta(days=30)).isoformat(),
            "reviewers_per_proposal": reviewers_per_proposal,
        },
    )


def files_in(directory: Path, pattern: str) -> int:
    """How many messages a catcher kept: a cheap count to wait on before reading them."""
    return sum(1 for _ in directory.glob(pattern)) if directory.exists() else 0


def mails_and_sms(stack: Stack) -> tuple[int, int]:
    return files_in(stack.config.mail_dir, "*.eml"), files_in(stack.config.sms_dir, "*.json")


def deliveries_done(stack: Stack) -> tuple[int, set[tuple[str, str]]]:
    """The notification service's own account: deliveries sent, and which of those it
    only presumes sent (its sender was killed after the hand-over commit)."""
    engine = make_engine(stack.config.database_urls["notification"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(deliveries.c.channel, deliveries.c.recipient, deliveries.c.last_error).where(
                    deliveries.c.status == SENT
                )
            ).all()
    finally:
        engine.dispose()
    return len(rows), {(r.channel, r.recipient) for r in rows if r.last_error == PRESUMED}


def review_worker_only(
    tmp_path: Path,
    kafka_bootstrap: str,
    database_url: str,
    migrated: Callable[[], None] = lambda: None,
) -> Stack:
    """Only the review worker, on ``database_url``; ``migrated`` runs between the
    migration and the worker's start."""
    stack = lean_stack(tmp_path, kafka_bootstrap, {**_sqlite(tmp_path), "review": database_url})
    stack.migrate("review")
    migrated()
    stack.start_worker("review")
    stack.wait_consuming("review")
    return stack


def _sqlite(tmp_path: Path) -> dict[str, str]:
    return {s: f"sqlite:///{tmp_path}/{s}.db" for s in SERVICES}


def submitted_events(count: int, title: str = "Fault") -> list[Event]:
    """``proposal.submitted`` events as the submission service writes them."""
    run = uuid.uuid4().hex[:6]
    return [
        factories.event(
            "proposal.submitted",
            factories.submitted(
                innovators=[factories.innovator(n, email=f"d{n}-{run}@dinkes.example.go.id")],
                title=f"{title} {run} #{n}",
            ),
        )
        for n in range(count)
    ]


def produce(kafka_bootstrap: str, topic: str, records: list[Record]) -> None:
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap.split(","), linger_ms=5)
    try:
        for r in records:
            producer.send(topic, key=r.key, value=r.value, headers=r.headers)
        producer.flush(30)
    finally:
        producer.close()


def dead_letters_for(kafka_bootstrap: str, keys: set[bytes]) -> list[DeadLetter]:
    return [d for d in read_all(kafka_bootstrap, f"{PROPOSALS}.dlq") if d.key in keys]


ASSIGNED_SUBJECT = "Tugas penilaian baru: "  # the review_assigned templates (Indonesian)
ASSIGNED_SMS = re.compile(r'^Inagara: Anda ditugaskan menilai "(.*)"\. Batas')


def assignment_messages(stack: Stack) -> tuple[Counter[str], Counter[str]]:
    """Assignment emails and SMS received, counted per proposal title.

    By title, which names the proposal: each reviewer gets hundreds.
    """
    emails = Counter(
        m.subject[len(ASSIGNED_SUBJECT) :]
        for m in read_mail(stack.config.mail_dir)
        if m.subject.startswith(ASSIGNED_SUBJECT)
    )
    texts = (ASSIGNED_SMS.match(s.text) for s in read_sms(stack.config.sms_dir))
    return emails, Counter(found.group(1) for found in texts if found)
