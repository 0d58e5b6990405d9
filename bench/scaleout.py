"""Scale-out per stage: throughput of the notification stage with 1, 2 and 4
worker processes on 6 partitions, the SMTP server answering each message 20 ms
late (an I/O-bound stage).

    python -m bench.scaleout [--messages 2000] [--delay-ms 20] [--senders 1]

Each worker sends over ``--senders`` connections (EMAIL_SENDERS; one by
default, so that the number of processes is the only thing that changes; the
default deployment runs 4, which multiplies what one process does and is the
other way to scale the stage).

Each run has its own topic, consumer group and database (PostgreSQL when
BENCH_DATABASE_URL or TEST_DATABASE_URL names a server, else SQLite), the same
number of proposal.submitted events already on the topic, and is timed from
the first email to the last; every recipient must get exactly one email.
Targets (issue "Prove it"): 2 instances >= 1.8x one, 4 >= 3.2x, no duplicate.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.common import CHARTS, chart, machine
from deploy.local.mailcatcher import read_mail
from deploy.local.ports import free_port, wait_for_port
from deploy.local.stack import DEMO_PROPOSAL
from deploy.local.tansu import LocalBroker
from shared.events.catalog import PROPOSAL_SUBMITTED, spec_for
from shared.events.envelope import Event, to_record
from shared.events.producer import KafkaPublisher
from shared.events.proposal import ProposalProfileSchema
from shared.events.topics import ensure_topics
from shared.platform.db import normalise_url
from tools.migrate import migrate


def submitted_events(count: int, run: str) -> list[Event]:
    spec = spec_for(PROPOSAL_SUBMITTED)
    events = []
    for n in range(count):
        profile = ProposalProfileSchema().load(
            {
                **DEMO_PROPOSAL,
                "innovators": [
                    {"name": "B", "email": f"w{n}-{run}@bench.example", "phone": "081234567890"}
                ],
            }
        )
        proposal_id = str(uuid.uuid4())
        data = spec.schema().dump(
            {
                "proposal_id": proposal_id,
                "version": 1,
                "agency": {"id": "a1", "code": "DINKES", "name": "Dinas Kesehatan"},
                "submitted_at": datetime.now(UTC),
                "profile": profile,
            }
        )
        events.append(
            Event(
                type=spec.type,
                source="/bench",
                subject=proposal_id,
                data=data,
                dataschema=spec.dataschema,
                correlation_id=proposal_id,
            )
        )
    return events


def fresh_database(tmp: Path, name: str) -> str:
    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if not server:
        return f"sqlite:///{tmp}/{name}.db"
    database = f"inagara_bench_{name}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return (
        make_url(normalise_url(server)).set(database=database).render_as_string(hide_password=False)
    )


def eml_files(mail_dir: Path) -> set[str]:
    return (
        {e.name for e in os.scandir(mail_dir) if e.name.endswith(".eml")}
        if mail_dir.exists()
        else set()
    )


def run_stage(
    workers: int,
    messages: int,
    broker: str,
    smtp_port: int,
    mail_dir: Path,
    tmp: Path,
    senders: int,
) -> dict[str, Any]:
    run = uuid.uuid4().hex[:6]
    topic = f"bench.scale.{run}"
    ensure_topics(broker, [topic, f"{topic}.dlq"], partitions=6)
    publisher = KafkaPublisher(broker)
    for event in submitted_events(messages, run):
        record = to_record(event)
        publisher.publish(topic, record.key, record.value, record.headers)
    publisher.flush(60)
    publisher.close()
    before = eml_files(mail_dir)
    url = fresh_database(tmp, f"n{workers}")
    migrate("notification", url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "KAFKA_BOOTSTRAP_SERVERS": broker,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMS_GATEWAY_URL": "",
        "NOTIFICATION_TOPICS": topic,
        "NOTIFICATION_CONSUMER_GROUP": f"bench-{run}",
        "EMAIL_RATE_PER_S": "0",
        "EMAIL_SENDERS": str(senders),
        "LOG_LEVEL": "WARNING",
        "INAGARA_SERVICE": "notification",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "services.notification.worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    try:
        # Wait on a count of files: parsing every caught email on each look would take
        # the CPU the workers are being measured on.
        deadline = time.monotonic() + 600
        while len(eml_files(mail_dir) - before) < messages and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # anything extra (a duplicate) would arrive now
        new = eml_files(mail_dir) - before
        mine = [m for m in read_mail(mail_dir) if m.path.name in new and run in m.rcpt_tos[0]]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
    times = sorted(int(m.path.name.split("-")[0]) / 1e9 for m in mine)
    per_recipient = Counter(m.rcpt_tos[0] for m in mine)
    return {
        "workers": workers,
        "emails": len(mine),
        "distinct": len(per_recipient),
        "duplicates": sum(c - 1 for c in per_recipient.values()),
        "per_s": (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--delay-ms", type=int, default=20)
    parser.add_argument("--senders", type=int, default=1, help="EMAIL_SENDERS of each worker")
    args = parser.parse_args()
    database = (
        "PostgreSQL"
        if (os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL"))
        else "SQLite"
    )
    print(
        f"machine: {machine()}; database: {database}; broker: local Tansu; SMTP answers "
        f"{args.delay_ms} ms late; {args.senders} sender(s) per worker"
    )
    results = []
    with tempfile.TemporaryDirectory() as tmp, LocalBroker() as broker:
        smtp_port = free_port()
        mail_dir = Path(tmp) / "mail"
        catcher = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "deploy.local.mailcatcher",
                "serve",
                "--dir",
                str(mail_dir),
                "--port",
                str(smtp_port),
                "--delay-ms",
                str(args.delay_ms),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port("127.0.0.1", smtp_port, 15)
            for workers in (1, 2, 4):
                result = run_stage(
                    workers,
                    args.messages,
                    broker.bootstrap_servers,
                    smtp_port,
                    mail_dir,
                    Path(tmp),
                    args.senders,
                )
                results.append(result)
                print(
                    f"  {workers} worker(s): {result['per_s']:6.1f} emails/s, {result['emails']} emails to "
                    f"{result['distinct']} recipients, {result['duplicates']} duplicates"
                )
        finally:
            catcher.terminate()
            catcher.wait(10)
    one = results[0]["per_s"] or 1
    for result, target in zip(results[1:], (1.8, 3.2), strict=True):
        ratio = result["per_s"] / one
        print(
            f"{result['workers']} workers / 1: {ratio:.2f}x (target >= {target}x: {'met' if ratio >= target else 'NOT met'})"
        )
    duplicates = sum(r["duplicates"] for r in results)
    print(f"duplicates: {duplicates} ({'met' if duplicates == 0 else 'NOT met'})")

    def bars(axes: Any) -> None:
        counts = [r["workers"] for r in results]
        axes.bar(
            [str(c) for c in counts],
            [r["per_s"] for r in results],
            color="#41ab5d",
            label="measured",
        )
        axes.plot([str(c) for c in counts], [one * c for c in counts], "k--", label="linear")
        axes.set_xlabel("notification worker processes (6 partitions)")
        axes.set_ylabel("emails per second")
        axes.legend()

    png = chart(
        CHARTS / "scaleout.png",
        f"Notification stage, SMTP {args.delay_ms} ms late, {args.senders} sender(s) a worker ({database})",
        bars,
    )
    print(f"chart: {png}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
