"""The real notification worker process, SIGKILLed in the middle of a burst and
restarted: no delivery recorded twice, no message sent twice, and no message
lost but in the one instant DESIGN accepts (at most once).

Every sender has a message in flight at almost any instant; the hand-over
commit (see ``Dispatcher``) is what keeps the one killed mid-send from being
sent again. A sender killed after that commit and before the message's last
byte loses it; the service records such a delivery as presumed sent, and the
test accepts a missing message only when it was so recorded.

The worker commits offsets only every 10 minutes here, so the restarted one
reads the whole burst again: the inbox and the delivery records must absorb it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from deploy.local.ports import free_port
from deploy.local.smsgateway import SmsGatewayServer
from services.notification.domain import SENT
from services.notification.store.tables import deliveries
from services.notification.usecases.dispatch import CLAIM_LOST, PRESUMED
from shared.platform.db import make_engine
from tests.integration.notification.support import Inbox, eventually, smtp_server
from tests.integration.test_notification_burst import produce
from tests.unit.notification import factories

pytestmark = pytest.mark.e2e
BURST = 300  # proposals: 300 emails and 300 SMS


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "services.notification.worker"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def statuses(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(select(deliveries.c.status).distinct()).scalars())
    finally:
        engine.dispose()


def presumed_sent(database_url: str) -> dict[str, set[str]]:
    """Recipients of deliveries recorded as presumed sent, by channel."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(deliveries.c.channel, deliveries.c.recipient).where(
                    deliveries.c.last_error == PRESUMED
                )
            ).all()
    finally:
        engine.dispose()
    found: dict[str, set[str]] = {"email": set(), "sms": set()}
    for channel, recipient in rows:
        found[channel].add(recipient)
    return found


def test_a_worker_killed_mid_burst_and_restarted_repeats_nothing_and_loses_only_what_it_flags(
    kafka_bootstrap: str,
    topic: str,
    tmp_path: Path,
) -> None:
    # Once per session, on the embedded default (the burst test covers PostgreSQL).
    run = uuid.uuid4().hex[:8]
    database_url = f"sqlite:///{tmp_path / 'notification.db'}"
    inbox = Inbox()
    smtp = smtp_server(inbox, free_port())
    gateway = SmsGatewayServer().start()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DATABASE_URL": database_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMS_GATEWAY_URL": gateway.twilio_url(),  # Twilio-style: it would keep a repeat
        "SMS_QUIET_HOURS": "",
        "NOTIFICATION_TOPICS": topic,
        "NOTIFICATION_CONSUMER_GROUP": f"notification-crash-{run}",
        "NOTIFICATION_SEND_LEASE_S": "2",
        # Slow enough that the kill lands mid-burst, fast enough to finish soon.
        "EMAIL_RATE_PER_S": "150",
        "SMS_RATE_PER_S": "150",
        "KAFKA_COMMIT_INTERVAL_MS": "600000",
        "LOG_LEVEL": "WARNING",
        "INAGARA_AUTO_MIGRATE": "true",  # a fresh database, and no migration job here
    }
    submissions = [
        factories.submitted(
            innovators=[
                factories.innovator(
                    n, email=f"k{n}-{run}@dinkes.example.go.id", instant_consent_at=factories.AT
                )
            ]
        )
        for n in range(BURST)
    ]
    produce(kafka_bootstrap, topic, [factories.event("proposal.submitted", s) for s in submissions])
    log = tmp_path / "worker.log"
    started = time.monotonic()
    worker = start_worker(env, log)
    try:
        eventually(lambda: len(inbox.messages) >= BURST // 4, 60, "the burst under way")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        sent_before = len(inbox.messages)
        assert sent_before < BURST, "the kill came too late to test anything"

        killed = time.monotonic()
        worker = start_worker(env, log)
        # Every delivery ends sent: really, or presumed (handed over by the killed worker
        # once its lease ran out), which also leaves room for a duplicate to show up.
        eventually(lambda: statuses(database_url) == {SENT}, 60, "every delivery settled")
        done = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0, log.read_text()[-3000:]
    finally:
        if worker.poll() is None:
            worker.kill()
        smtp.stop()
        gateway.stop()

    emails = Counter(r.rcpt_tos[0] for r in inbox.messages)
    sms = Counter(m.to for m in gateway.gateway.messages)
    # The one way a message may be missing (DESIGN: at most once): the worker was
    # killed between committing "handed over" and the message's last byte. Such a
    # delivery is recorded as presumed sent; anything else missing is a loss.
    presumed = presumed_sent(database_url)
    expected_emails = {f"k{n}-{run}@dinkes.example.go.id" for n in range(BURST)}
    missing_presumed = len(presumed["email"] - set(emails)) + len(presumed["sms"] - set(sms))
    lost = len(expected_emails - set(emails) - presumed["email"]) + (
        BURST - len(set(sms) | presumed["sms"])
    )
    repeats = sum(n - 1 for n in (*emails.values(), *sms.values()))
    print(  # read by deploy/local/contended.py
        f"\ntally crash: emails={len(emails)} sms={len(sms)} duplicates={repeats} lost={lost} "
        f"presumed_sent={len(presumed['email']) + len(presumed['sms'])} "
        f"missing_presumed={missing_presumed} killed_after={sent_before} "
        f"claims_lost={log.read_text(errors='replace').count(CLAIM_LOST)}"
    )
    assert max(emails.values()) == 1 and max(sms.values()) == 1, "a message came twice"
    assert expected_emails - set(emails) <= presumed["email"]
    assert len(set(emails) | presumed["email"]) == BURST
    assert len(set(sms) | presumed["sms"]) == BURST
    assert len(presumed["email"]) + len(presumed["sms"]) <= 5, "at most one per sender killed"
    lost = sorted((presumed["email"] - set(emails)) | (presumed["sms"] - set(sms)))
    if lost:
        print(f"\nlost in the hand-over instant (recorded as presumed sent): {lost}")
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            counts = dict(
                conn.execute(
                    select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
                ).all()
            )
    finally:
        engine.dispose()
    assert counts == {SENT: 2 * BURST}, "one delivery per (event, channel, recipient)"
    print(
        f"\nkilled after {sent_before} emails ({killed - started:.1f}s); "
        f"all sent {done - killed:.1f}s after the restart"
    )
