"""Erasure is real (issue 21 bar), through the real processes.

A stack publishing ``proposal.submitted`` v2 (innovators sealed per data subject)
takes a small season: two agencies, four proposals, evidence uploaded, emails and
SMS sent. The secretariat erases one innovator (Ayu, on two proposals of two
agencies) through the API; the test waits until the review and notification
workers have handled ``subject.erased``. Then it scans, for Ayu's email, her phone
in every written form (+62…, 08…, with dashes) and her name:

- every service's database (SQLite: the raw bytes of the file and its -wal/-shm;
  PostgreSQL: every text column of every table);
- every topic and dead-letter topic on the broker, read raw (keys, values, headers);
- every process's log file;
- the evidence store.

Nothing may be readable. Finally the proposal topic is replayed from the beginning
into a fresh notification worker (a new database, a new consumer group, its own
mail catcher and SMS gateway, started as a process): it sends nothing to Ayu,
dead-letters nothing, and everyone else gets the same messages as the first time.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
from kafka import KafkaConsumer
from kafka.structs import TopicPartition
from sqlalchemy import inspect, select

from deploy.local.mailcatcher import read_mail
from deploy.local.ports import free_port, wait_for_port
from deploy.local.smsgateway import read_sms
from deploy.local.stack import DEMO_PROPOSAL, SERVICES, Stack, StackConfig
from shared.platform.db import make_engine
from tests.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.both_databases]
ADMIN = "e2e-privacy-admin"
KEYS_TOKEN = "e2e-privacy-subject-keys"

TAG = uuid.uuid4().hex[:6]
DIGITS = f"8129{int(TAG, 16) % 10_000_000:07d}"  # 812 9xxx xxxx, unique per run
AYU = {
    "name": f"Ayu Lestari{TAG}",
    "email": f"Ayu.Lestari.{TAG}@inovasi.example.go.id",
    "phone": f"0{DIGITS[:3]}-{DIGITS[3:7]}-{DIGITS[7:]}",
}
BUDI = {
    "name": "Budi Santoso",
    "email": f"budi.{TAG}@inovasi.example.go.id",
    "phone": "081355512345",
}
RINA = {"name": "Rina Wati", "email": f"rina.{TAG}@inovasi.example.go.id", "phone": "081377712345"}
# When each agreed on the portal to SMS/WhatsApp (without it: email only).
CONSENT = "2026-02-27T09:00:00+07:00"
NEEDLES = [
    AYU["name"].encode(),
    AYU["name"].encode("utf-16-le"),
    AYU["email"].encode(),
    AYU["email"].lower().encode(),
    AYU["phone"].encode(),
    DIGITS.encode(),  # inside +62812…, 0812… and 62812…
    f"{DIGITS[:3]}-{DIGITS[3:7]}-{DIGITS[7:]}".encode(),
]
SEASON = [
    ("DINKES", "Posyandu Digital", [AYU, BUDI]),
    ("DINKES", "Antrean Puskesmas Daring", [BUDI]),
    ("DISDIK", "Rapor Digital Sekolah", [AYU, RINA]),
    ("DISDIK", "Perpustakaan Keliling", [RINA]),
]


@pytest.fixture
def stack(
    kafka_bootstrap: str, database_factory: Callable[[], str], tmp_path: Path
) -> Iterator[Stack]:
    var_dir = tmp_path / "var"
    ports = {service: free_port() for service in SERVICES}
    config = StackConfig(
        var_dir=var_dir,
        admin_token=ADMIN,
        ports=ports,
        broker_port=0,
        smtp_port=free_port(),
        kafka_bootstrap_servers=kafka_bootstrap,
        database_urls={service: database_factory() for service in SERVICES},
        web_workers=1,
        sms_gateway=True,
        extra_env={
            "EVIDENCE_DIR": str(var_dir / "evidence"),
            "SMS_QUIET_HOURS": "",
            "PROPOSAL_EVENT_VERSION": "2",
            "SUBJECT_KEYS_TOKEN": KEYS_TOKEN,
            "SUBJECT_KEYS_URL": f"http://127.0.0.1:{ports['submission']}",
        },
    )
    stack = Stack(config).start()
    yield stack
    stack.stop()


def call(stack: Stack, service: str, method: str, path: str, token: str, **kw: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}", **kw.pop("headers", {})}
    return requests.request(
        method, f"{stack.config.base_url(service)}{path}", headers=headers, timeout=10, **kw
    )


def submit_season(stack: Stack) -> list[str]:
    keys = {
        "DINKES": stack.create_demo_agency("DINKES", "Dinas Kesehatan"),
        "DISDIK": stack.create_demo_agency("DISDIK", "Dinas Pendidikan"),
    }
    ids = []
    for code, title, people in SEASON:
        key = keys[code]
        # One proposal naming Ayu is submitted at once (its Idempotency-Key answer names
        # her); the others are drafts given an evidence file, then submitted.
        at_once = title == "Rapor Digital Sekolah"
        draft = call(
            stack,
            "submission",
            "POST",
            "/v1/proposals" if at_once else "/v1/proposals?draft=true",
            key,
            json={
                **DEMO_PROPOSAL,
                "title": f"{title} {TAG}",
                "innovators": [{**p, "instant_consent_at": CONSENT} for p in people],
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert draft.status_code == 201, draft.text
        pid = draft.json()["id"]
        ids.append(pid)
        if at_once:
            continue
        pdf = b"%PDF-1.7\n" + f"laporan uji coba {title}\n".encode() * 40
        stored = call(
            stack,
            "submission",
            "POST",
            f"/v1/proposals/{pid}/evidence",
            key,
            files={"file": ("laporan-uji-coba.pdf", pdf, "application/pdf")},
        )
        assert stored.status_code == 201, stored.text
        sent = call(stack, "submission", "POST", f"/v1/proposals/{pid}/submit", key, json={})
        assert sent.status_code == 200, sent.text
    return ids


def worker_metrics(stack: Stack, service: str) -> str:
    port = stack.worker_metrics_port(service)
    try:
        return requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    except requests.RequestException:
        return ""


def handled(metrics: str, event_type: str) -> float:
    pattern = re.compile(r"^inagara_events_consumed_total\{([^}]*)\} ([0-9.e+]+)$", re.MULTILINE)
    return sum(
        float(value)
        for labels, value in pattern.findall(metrics)
        if f'type="{event_type}"' in labels and 'topic="inagara.proposals"' in labels
    )


def in_review(stack: Stack, pid: str) -> bool:
    return bool(call(stack, "review", "GET", f"/v1/proposals/{pid}", ADMIN).status_code == 200)


def erased_in(stack: Stack, service: str) -> bool:
    return handled(worker_metrics(stack, service), "subject.erased") >= 1


def outbox_drained(stack: Stack) -> bool:
    from services.submission.store.tables import outbox

    engine = make_engine(stack.config.database_urls["submission"])
    try:
        with engine.connect() as conn:
            return all(r.sent_at is not None for r in conn.execute(select(outbox.c.sent_at)))
    finally:
        engine.dispose()


def messages(mail_dir: Path, sms_dir: Path) -> set[tuple[str, str, str]]:
    """What the catcher and the gateway received: (channel, to, text)."""
    found = set()
    for mail in read_mail(mail_dir):
        for to in mail.rcpt_tos:
            found.add(("email", to.lower(), mail.subject))
    for sms in read_sms(sms_dir):
        found.add(("sms", sms.to, sms.text))
    return found


def ayu_in(found: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    return {m for m in found if any(n.decode(errors="ignore") in repr(m) for n in NEEDLES[2:])}


# -- the scans ------------------------------------------------------------------


def leaks(blob: bytes) -> list[str]:
    lowered = blob.lower()
    return [n.decode(errors="replace") for n in NEEDLES if n.lower() in lowered]


def scan_database(url: str) -> dict[str, list[str]]:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        files = [p for p in path.parent.glob(path.name + "*") if p.is_file()]
        return {str(p): hits for p in files if (hits := leaks(p.read_bytes()))}
    engine = make_engine(url)
    found: dict[str, list[str]] = {}
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            for table in inspector.get_table_names():
                rows = conn.exec_driver_sql(f'SELECT * FROM "{table}"').all()
                text = "\n".join(repr(tuple(r)) for r in rows).encode()
                if hits := leaks(text):
                    found[table] = hits
    finally:
        engine.dispose()
    return found


def scan_broker(bootstrap: str) -> dict[str, list[str]]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None)
    found: dict[str, list[str]] = {}
    try:
        topics = sorted(t for t in consumer.topics() if t.startswith("inagara"))
        assert "inagara.proposals" in topics and "inagara.proposals.dlq" in topics
        partitions = [
            TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or []
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        seen = 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(
            consumer.position(tp) < end for tp, end in ends.items()
        ):
            for tp, batch in consumer.poll(timeout_ms=200).items():
                for r in batch:
                    seen += 1
                    raw = (r.key or b"") + b"\0" + (r.value or b"")
                    raw += b"".join(k.encode() + b"=" + (v or b"") for k, v in r.headers)
                    if hits := leaks(raw):
                        found.setdefault(f"{tp.topic}@{r.offset}", hits)
        assert seen, "no record read from the broker"
    finally:
        consumer.close()
    return found


def scan_files(folder: Path) -> dict[str, list[str]]:
    return {
        str(p): found for p in folder.rglob("*") if p.is_file() and (found := leaks(p.read_bytes()))
    }


# -- the fresh notification worker ----------------------------------------------


class FreshNotification:
    """A notification worker of its own: new database, new group, its own catcher."""

    def __init__(self, stack: Stack, url: str, folder: Path) -> None:
        self.folder = folder
        self.mail_dir = folder / "mail"
        self.smtp_port = free_port()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.log_dir = folder / "log"
        self.log_dir.mkdir(parents=True)
        self._spawn(
            "mailcatcher",
            [
                sys.executable,
                "-m",
                "deploy.local.mailcatcher",
                "serve",
                "--dir",
                str(self.mail_dir),
                "--port",
                str(self.smtp_port),
            ],
        )
        sms_port = free_port()
        self.sms_dir = folder / "sms"
        self._spawn(
            "smsgateway",
            [
                sys.executable,
                "-m",
                "deploy.local.smsgateway",
                "serve",
                "--dir",
                str(self.sms_dir),
                "--port",
                str(sms_port),
            ],
        )
        wait_for_port("127.0.0.1", self.smtp_port, 15)
        wait_for_port("127.0.0.1", sms_port, 15)
        # The empty database to head, as the release's migration Job does.
        subprocess.run(
            [sys.executable, "-m", "services.notification.migrations"],
            env={**stack.worker_env("notification"), "DATABASE_URL": url},
            check=True,
            capture_output=True,
            timeout=120,
        )
        self.metrics_port = free_port()
        env = {
            **stack.worker_env("notification"),
            "DATABASE_URL": url,
            "SMTP_PORT": str(self.smtp_port),
            "SMS_GATEWAY_URL": f"http://127.0.0.1:{sms_port}/2010-04-01/Accounts/ACLOCAL/Messages.json",
            "NOTIFICATION_CONSUMER_GROUP": f"inagara.notification.replay-{TAG}",
            "METRICS_PORT": str(self.metrics_port),
        }
        self._spawn(
            "notification-worker", [sys.executable, "-m", "services.notification.worker"], env
        )

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        with open(self.log_dir / f"{name}.log", "ab") as log:
            self.processes.append(
                subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
            )

    def metrics(self) -> str:
        try:
            return requests.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).text
        except requests.RequestException:
            return ""

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_an_erased_innovator_is_readable_nowhere_and_a_replay_tells_only_the_others(
    stack: Stack, kafka_bootstrap: str, database_factory: Callable[[], str], tmp_path: Path
) -> None:
    ids = submit_season(stack)
    mail_dir, sms_dir = stack.config.mail_dir, stack.config.sms_dir
    # Every innovator of every proposal: a receipt by email and one by SMS.
    expected_people = {("email", p["email"].lower()) for _, _, ps in SEASON for p in ps}

    def all_told() -> set[tuple[str, str, str]] | None:
        found = messages(mail_dir, sms_dir)
        told = {(c, to) for c, to, _ in found}
        sms = sum(1 for c, _, _ in found if c == "sms")
        return found if expected_people <= told and sms >= len(expected_people) else None

    first = eventually(all_told, "the receipts by email and SMS")
    assert ayu_in(first), "Ayu was told before her erasure"
    for pid in ids:
        eventually(partial(in_review, stack, pid), f"{pid} in review")

    erased = call(
        stack,
        "submission",
        "POST",
        "/v1/subjects/erasures",
        ADMIN,
        json={"phone": "+62 " + AYU["phone"][1:]},
    )
    assert erased.status_code == 200, erased.text
    assert len(erased.json()["erased"]) == 1
    eventually(lambda: outbox_drained(stack), "subject.erased published")
    for service in ("review", "notification"):
        eventually(partial(erased_in, stack, service), f"{service} handled subject.erased")
    first = messages(mail_dir, sms_dir)  # nothing more is sent for the erasure

    # The scans: databases, broker, logs, evidence.
    found: dict[str, Any] = {}
    for service, url in stack.config.database_urls.items():
        if hits := scan_database(url):
            found[f"database {service}"] = hits
    if hits := scan_broker(kafka_bootstrap):
        found["broker"] = hits
    if hits := scan_files(stack.config.var_dir / "log"):
        found["logs"] = hits
    evidence = stack.config.var_dir / "evidence"
    assert any(p.is_file() for p in evidence.rglob("*")), "no evidence stored"
    if hits := scan_files(evidence):
        found["evidence"] = hits
    assert not found, f"Ayu is still readable: {found}"

    # The replay into a fresh notification worker.
    fresh = FreshNotification(stack, database_factory(), tmp_path / "fresh")
    try:
        others = {m for m in first if m not in ayu_in(first)}
        assert {m[1] for m in others} >= {BUDI["email"].lower(), RINA["email"].lower()}

        def replayed() -> set[tuple[str, str, str]] | None:
            got = messages(fresh.mail_dir, fresh.sms_dir)
            return got if others <= got else None

        second = eventually(replayed, "the replay's messages to the others", timeout_s=90)
        eventually(
            lambda: handled(fresh.metrics(), "subject.erased") >= 1,
            "the fresh worker reached subject.erased",
        )
        second = messages(fresh.mail_dir, fresh.sms_dir)
        assert not ayu_in(second), "the replay told the erased person"
        # The session's broker also holds the events of the tests that ran before this one:
        # the replay's messages about this season are those naming its proposals (TAG is in
        # every title) and those the first run sent.
        this_season = {m for m in second if TAG in m[2]} | (second & others)
        assert this_season == others, "the others' messages changed in the replay"
        metrics = fresh.metrics()
        assert 'outcome="dead_lettered"' not in metrics and 'outcome="failed"' not in metrics
        assert "inagara_skipped_subjects_total" in metrics
        if hits := scan_files(fresh.log_dir):
            found["fresh worker's log"] = hits
    finally:
        fresh.stop()
    assert not found, f"Ayu is readable: {found}"
    dead = scan_dlq_count(kafka_bootstrap)
    assert dead == 0, f"{dead} records on inagara.proposals.dlq"
    assert not stack.failed()


def scan_dlq_count(bootstrap: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None)
    try:
        partitions = [
            TopicPartition("inagara.proposals.dlq", p)
            for p in consumer.partitions_for_topic("inagara.proposals.dlq") or []
        ]
        ends = consumer.end_offsets(partitions)
        starts = consumer.beginning_offsets(partitions)
        return sum(ends[tp] - starts[tp] for tp in partitions)
    finally:
        consumer.close()
