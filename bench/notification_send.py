"""The notification worker's CPU per email, in process: recording, then sending.

    python -m bench.notification_send [--count 1000] [--senders 1] [--database-url URL]

Records ``--count`` ``proposal.submitted`` events (one innovator each; the agency's
contact gets its own email) into a fresh notification database (SQLite in a temporary
folder unless ``--database-url`` names another), through the inbox as the consumer
does, then sends every email with the worker's dispatchers (``--senders`` of them,
lanes of one channel, as ``EMAIL_SENDERS``) to the local mail catcher, an aiosmtpd
server in another process. Prints this process's CPU time (``time.process_time``)
per event recorded and per email sent: the catcher's CPU is not counted.

Wall-clock figures on a shared machine are noise; CPU time of one process is not. To
compare two versions of the code, run this file from both checkouts alternately.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from sqlalchemy import Engine, func, select

from deploy.local.ports import free_port
from services.notification import store
from services.notification.adapters.mailer import SmtpMailer
from services.notification.config import NotificationSettings
from services.notification.consumers import handlers_for
from services.notification.domain import SENT
from services.notification.store.tables import deliveries
from services.notification.usecases.dispatch import Dispatcher, EmailTransport, Policy
from services.notification.usecases.recording import Recorder
from shared.events.inbox import dispatcher as inbox_dispatcher
from shared.platform.db import create_schema, make_engine
from shared.platform.metrics import DELIVERIES
from tests.unit.notification import factories

SENDER = "Inagara <noreply@inagara.example.go.id>"


def record(engine: Engine, count: int) -> float:
    """Record ``count`` submissions; returns the CPU seconds it took."""
    handle = inbox_dispatcher(
        engine,
        store.inbox,
        handlers_for(Recorder(unsubscribe_url="https://n.example/unsubscribe", secret="s")),
    )
    run = uuid.uuid4().hex[:8]
    events = [
        factories.event(
            "proposal.submitted",
            factories.submitted(
                innovators=[factories.innovator(n, email=f"i{n}-{run}@dinkes.example.go.id")],
                contact_email=f"contact{n}-{run}@dinkes.example.go.id",
            ),
        )
        for n in range(count)
    ]
    started = time.process_time()
    for event in events:
        handle(event)
    return time.process_time() - started


def due_emails(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(deliveries).where(deliveries.c.channel == "email")
            ).scalar_one()
        )


def sent_so_far() -> float:
    return sum(
        DELIVERIES.labels("email", outcome)._value.get()  # a counter's value, read in process
        for outcome in ("sent", "presumed_sent")
    )


def send(engine: Engine, port: int, senders: int, expected: int) -> tuple[float, float]:
    """Send every recorded email with ``senders`` dispatchers; (CPU s, wall s)."""
    settings = NotificationSettings(service="notification", smtp_port=port, smtp_timeout_s=30)
    transport = EmailTransport(SmtpMailer(settings), SENDER)
    stop = threading.Event()
    loops = [
        Dispatcher(engine, transport, Policy(idle_wait_s=0.01), lane=(lane, senders))
        for lane in range(senders)
    ]
    threads = [threading.Thread(target=d.run, args=(stop,)) for d in loops]
    before = sent_so_far()
    started, wall = time.process_time(), time.monotonic()
    for thread in threads:
        thread.start()
    # A counter read (no query): the waiting costs next to no CPU of its own.
    deadline = time.monotonic() + 600
    while sent_so_far() - before < expected:
        if time.monotonic() > deadline:
            stop.set()
            raise SystemExit(f"only {sent_so_far() - before} of {expected} sent in 600 s")
        time.sleep(0.01)
    cpu, wall = time.process_time() - started, time.monotonic() - wall
    stop.set()
    for thread in threads:
        thread.join(30)
    return cpu, wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="submissions recorded")
    parser.add_argument("--senders", type=int, default=1, help="email dispatchers")
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="notification-send-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/notification.db"
        engine = make_engine(url)
        create_schema(engine, store.metadata)
        port = free_port()
        catcher = subprocess.Popen(
            [
                *(sys.executable, "-m", "deploy.local.mailcatcher", "serve"),
                *("--dir", f"{tmp}/mail", "--port", str(port)),
            ],
            stdout=subprocess.PIPE,
        )
        try:
            assert catcher.stdout is not None
            catcher.stdout.readline()  # "mail catcher on …": it listens
            before = due_emails(engine)
            record_cpu = record(engine, args.count)
            emails = due_emails(engine) - before
            send_cpu, wall = send(engine, port, args.senders, emails)
        finally:
            catcher.terminate()
            catcher.wait(10)
        with engine.connect() as conn:
            unsent = conn.execute(
                select(func.count()).select_from(deliveries).where(deliveries.c.status != SENT)
            ).scalar_one()
        engine.dispose()
    print(
        json.dumps(
            {
                "events": args.count,
                "emails": emails,
                "senders": args.senders,
                "record_ms_cpu_per_event": round(record_cpu * 1000 / args.count, 3),
                "send_ms_cpu_per_email": round(send_cpu * 1000 / emails, 3),
                "send_wall_s": round(wall, 2),
                "not_sent": unsent,
            }
        )
    )
    return 0 if unsent == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
