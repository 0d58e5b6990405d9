"""A season backed up half way through, restored into a fresh stack, finished there.

Stack A runs the first half: five reviewers, a cycle, four proposals with an
evidence file each, screened and assigned; two of them scored. Then, so that the
backup certainly holds events nobody has handled yet, A's review worker stops
(its relay with it): a third proposal is scored (its review events wait in the
review outbox) and a fifth proposal is submitted (published: notification mails
its innovator, review never reads it). ``python -m tools.backup create`` copies
the running stack; A stops, its broker with it.

Stack B starts on new databases, a new evidence folder and a new broker, after
``python -m tools.backup restore``. Its relays publish every outbox again; the
season is finished there (the last proposals scored, shortlist, rejection,
awards). Nothing may be lost (every proposal, its evidence, every score, every
step on each timeline) and nothing sent twice: each email and SMS of both stacks
is counted per recipient and message.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from deploy.local.mailcatcher import read_mail
from deploy.local.ports import free_port
from deploy.local.smsgateway import read_sms
from deploy.local.stack import DEMO_PROPOSAL, SERVICES, Stack, StackConfig
from services.notification.adapters.rendering import without_privacy_link
from services.notification.domain.recipients import RULES
from services.notification.store import tables as notification_tables
from services.review.store import tables as review_tables
from services.submission.store import tables as submission_tables
from shared.platform.db import make_engine
from tests import brokers
from tests.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.both_databases]
ADMIN = "e2e-backup-admin"
PASSWORD = "correct horse battery"
AGENCIES = ("DINKES", "DISDIK", "DISHUB", "BAPPEDA", "PDAM")


def evidence_bytes(code: str) -> bytes:
    return b"%PDF-1.7\n" + f"laporan uji coba {code}\n".encode() * 50


def stack_config(var_dir: Path, database_urls: dict[str, str]) -> StackConfig:
    """A stack with a broker, mail catcher and SMS gateway of its own."""
    return StackConfig(
        var_dir=var_dir,
        admin_token=ADMIN,
        ports={service: free_port() for service in SERVICES},
        broker_port=free_port(),
        broker="kafka" if brokers.selected().startswith("kafka") else "tansu",
        smtp_port=free_port(),
        database_urls=database_urls,
        web_workers=1,
        sms_gateway=True,
        # SMS at any hour: a quiet night would hold them past the test.
        extra_env={"EVIDENCE_DIR": str(var_dir / "evidence"), "SMS_QUIET_HOURS": ""},
    )


class Season:
    """The people and calls of one season, on whichever stack runs now."""

    def __init__(self) -> None:
        self.stack: Stack | None = None
        self.reviewers: dict[str, str] = {}  # email -> bearer token (on the current stack)
        self.keys: dict[str, str] = {}  # agency code -> API key
        self.proposals: dict[str, str] = {}  # agency code -> proposal id
        self.cycle = ""

    def url(self, service: str, path: str) -> str:
        assert self.stack is not None
        return f"{self.stack.config.base_url(service)}{path}"

    def review(self, method: str, path: str, token: str = ADMIN, **kw: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return requests.request(method, self.url("review", path), headers=headers, timeout=10, **kw)

    def portal(self, code: str, method: str, path: str, **kw: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.keys[code]}", **kw.pop("headers", {})}
        return requests.request(
            method, self.url("submission", path), headers=headers, timeout=10, **kw
        )

    def log_in(self) -> None:
        for email in self.reviewers:
            answer = requests.post(
                self.url("review", "/v1/auth/tokens"),
                json={"email": email, "password": PASSWORD},
                timeout=10,
            )
            assert answer.status_code in (200, 201), answer.text
            self.reviewers[email] = answer.json()["token"]

    def status(self, code: str) -> str:
        answer = self.review("GET", f"/v1/proposals/{self.proposals[code]}")
        return str(answer.json().get("status")) if answer.status_code == 200 else ""

    def submit(self, code: str) -> None:
        draft = self.portal(
            code,
            "POST",
            "/v1/proposals?draft=true",
            json={
                **DEMO_PROPOSAL,
                "title": f"Inovasi {code}",
                "cycle_id": self.cycle,
                # One innovator per proposal: a message counted twice is then one sent twice.
                "innovators": [
                    {
                        "name": f"Inovator {code}",
                        "email": f"{code.lower()}@inovator.example.go.id",
                        "phone": f"08123456780{AGENCIES.index(code)}",
                        "instant_consent_at": "2026-02-27T09:00:00+07:00",
                    }
                ],
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert draft.status_code == 201, draft.text
        pid = draft.json()["id"]
        stored = self.portal(
            code,
            "POST",
            f"/v1/proposals/{pid}/evidence",
            files={"file": (f"laporan-{code}.pdf", evidence_bytes(code), "application/pdf")},
        )
        assert stored.status_code == 201, stored.text
        sent = self.portal(code, "POST", f"/v1/proposals/{pid}/submit", json={})
        assert sent.status_code == 200, sent.text
        self.proposals[code] = pid

    def score(self, code: str, level: int) -> int:
        """Every reviewer assigned to ``code``'s proposal scores it; returns how many did."""
        rubric = self.review("GET", f"/v1/cycles/{self.cycle}/rubrics/desk").json()
        scored = 0
        for token in self.reviewers.values():
            for held in self.review("GET", "/v1/assignments", token).json()["items"]:
                if held["proposal_id"] != self.proposals[code]:
                    continue
                scores = {c["key"]: min(c["scale_max"], level) for c in rubric["criteria"]}
                answer = self.review(
                    "PUT", f"/v1/assignments/{held['id']}/review", token, json={"scores": scores}
                )
                assert answer.status_code == 200, answer.text
                scored += 1
        return scored

    def ranking(self) -> dict[str, Any]:
        rows = self.review("GET", f"/v1/cycles/{self.cycle}/ranking").json()["items"]
        return {row["proposal_id"]: row for row in rows}


def settled(stack: Stack) -> bool:
    """Notification has handled every event published to it and sent every delivery;
    nothing the submission service wrote is left unsent."""
    urls = stack.config.database_urls
    published: set[str] = set()
    for service, outbox in (
        ("submission", submission_tables.outbox),
        ("review", review_tables.outbox),
    ):
        engine = make_engine(urls[service])
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    select(outbox.c.event_id, outbox.c.event_type, outbox.c.sent_at)
                ).all()
        finally:
            engine.dispose()
        if service == "submission" and any(row.sent_at is None for row in rows):
            return False
        published |= {r.event_id for r in rows if r.sent_at is not None and r.event_type in RULES}
    engine = make_engine(urls["notification"])
    try:
        with engine.connect() as conn:
            handled = set(conn.execute(select(notification_tables.inbox.c.event_id)).scalars())
            waiting = conn.execute(
                select(notification_tables.deliveries.c.id).where(
                    notification_tables.deliveries.c.status.in_(["pending", "sending"])
                )
            ).first()
    finally:
        engine.dispose()
    return published <= handled and waiting is None


def unsent(stack: Stack, service: str) -> int:
    """How many events ``service``'s outbox holds that its relay has not yet published."""
    outbox = {"submission": submission_tables.outbox, "review": review_tables.outbox}[service]
    engine = make_engine(stack.config.database_urls[service])
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(outbox.c.event_id).where(outbox.c.sent_at.is_(None)))
            return len(rows.all())
    finally:
        engine.dispose()


def sent_messages(var_dir: Path) -> list[tuple[str, str, str]]:
    """(channel, recipient, what) of every email and SMS a stack's stand-ins received."""
    mails = [("email", rcpt, m.subject) for m in read_mail(var_dir / "mail") for rcpt in m.rcpt_tos]
    # Without the privacy link, which names each stack's own address: the same news
    # sent by both stacks must count twice.
    texts = [("sms", s.to, without_privacy_link(s.text)) for s in read_sms(var_dir / "sms")]
    return mails + texts


def run_backup_tool(stack: Stack, *args: str) -> dict[str, Any]:
    c = stack.config
    env = {
        **os.environ,
        **{f"{s.upper()}_DATABASE_URL": c.database_urls[s] for s in SERVICES},
        "EVIDENCE_DIR": c.extra_env["EVIDENCE_DIR"],
        "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap_servers,
    }
    done = subprocess.run(
        [sys.executable, "-m", "tools.backup", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture
def stacks() -> Iterator[list[Stack]]:
    """The stacks a test started, stopped at its end whatever happened."""
    started: list[Stack] = []
    yield started
    for stack in started:
        stack.stop()


def test_a_season_restored_half_way_finishes_with_nothing_lost_or_sent_twice(
    database_factory: Callable[[], str], tmp_path: Path, stacks: list[Stack]
) -> None:
    season = Season()
    # -- stack A: the first half of the season ---------------------------------------
    a = Stack(stack_config(tmp_path / "a", {s: database_factory() for s in SERVICES})).start()
    stacks.append(a)
    season.stack = a
    a.await_agencies(*AGENCIES)  # the review service refuses unknown agency codes
    for n, code in enumerate(AGENCIES):
        email = f"{code.lower()}@penilai.example.go.id"
        made = season.review(
            "POST",
            "/v1/users",
            json={
                "name": f"Penilai {code}",
                "email": email,
                "password": PASSWORD,
                "agency_code": code,
                "phone": f"08131111333{n}",
            },
        )
        assert made.status_code == 201, made.text
        season.reviewers[email] = ""
    season.log_in()
    now = datetime.now(UTC)
    cycle = season.review(
        "POST",
        "/v1/cycles",
        json={
            "name": "Inovasi Daerah (cadangan)",
            "year": now.year,
            "submission_opens_at": (now - timedelta(days=1)).isoformat(),
            "submission_closes_at": (now + timedelta(days=30)).isoformat(),
            "review_deadline": (now + timedelta(days=60)).isoformat(),
            "award_count": 2,
        },
    )
    assert cycle.status_code == 201, cycle.text
    season.cycle = cycle.json()["id"]
    season.keys = {code: a.create_demo_agency(code, f"Dinas {code}") for code in AGENCIES}

    def cycle_known() -> bool:
        items = season.portal(AGENCIES[0], "GET", "/v1/cycles").json()["items"]
        return any(item["id"] == season.cycle for item in items)

    eventually(cycle_known, "the cycle announced to the submission service")
    first, last = AGENCIES[:4], AGENCIES[4]
    for code in first:
        season.submit(code)
    eventually(
        lambda: all(season.status(c) == "assigned" for c in first), "four proposals assigned"
    )
    assert season.score(first[0], 3) == 3 and season.score(first[1], 2) == 3
    scored_in_a = season.ranking()
    eventually(
        lambda: settled(a) and unsent(a, "review") == 0,
        "stack A's notifications sent and its review events published",
    )

    # In flight at the backup: review events not yet published, a proposal not yet read.
    a.kill("review-worker", signal.SIGTERM)
    assert season.score(first[2], 1) == 3
    season.submit(last)
    eventually(lambda: settled(a), "proposal 5's notifications sent before the backup")

    manifest = run_backup_tool(a, "create", str(tmp_path / "backup"))
    assert manifest["databases"]["review"]["outbox_unsent"] == 4  # 3 review.submitted, scored
    assert manifest["evidence"]["files"] == 5
    a.stop()
    sent_by_a = sent_messages(a.config.var_dir)

    # -- stack B: fresh databases, evidence folder and broker; the backup restored -----
    config = stack_config(tmp_path / "b", {s: database_factory() for s in SERVICES})
    b = Stack(config)
    restored = run_backup_tool(b, "restore", str(tmp_path / "backup"))
    assert restored["evidence"]["files"] == 5
    assert restored["review"]["outbox_unsent"] == restored["review"]["outbox_rows"] > 0
    stacks.append(b.start())
    season.stack = b
    season.log_in()
    eventually(lambda: season.status(last) == "assigned", "proposal 5 assigned in stack B")
    assert season.score(first[3], 2) == 3 and season.score(last, 1) == 3
    ranking = season.ranking()
    assert {season.proposals[c] for c in AGENCIES} <= set(ranking)
    for code in first[:2]:
        pid = season.proposals[code]
        assert ranking[pid]["reviewer_totals"] == scored_in_a[pid]["reviewer_totals"]
    order = [pid for pid in ranking if pid in season.proposals.values()]
    for pid in order[:3]:
        decided = season.review(
            "POST", f"/v1/proposals/{pid}/decisions", json={"decision": "shortlist"}
        )
        assert decided.status_code == 200, decided.text
    rejected = season.review(
        "POST",
        f"/v1/proposals/{order[3]}/decisions",
        json={"decision": "reject", "note": "Kurang bukti"},
    )
    assert rejected.status_code == 200, rejected.text
    awarded = season.review(
        "POST",
        f"/v1/cycles/{season.cycle}/awards",
        json={
            "awards": [
                {"proposal_id": order[0], "award": "Juara 1"},
                {"proposal_id": order[1], "award": "Juara 2"},
            ]
        },
    )
    assert awarded.status_code == 200, awarded.text

    # -- nothing lost ----------------------------------------------------------------------
    final = dict.fromkeys(order, "proposal.not_awarded") | {
        order[0]: "proposal.awarded",
        order[1]: "proposal.awarded",
        order[3]: "proposal.rejected",
    }
    for code, pid in season.proposals.items():

        def steps(code: str = code, pid: str = pid) -> Counter[str] | None:
            got = season.portal(code, "GET", f"/v1/proposals/{pid}/timeline")
            counted = Counter(i["type"] for i in got.json()["items"]) if got.ok else Counter()
            return counted if counted[final[pid]] == 1 else None

        seen = eventually(steps, f"the whole season on {code}'s timeline")
        assert seen["proposal.screened"] == seen["proposal.scored"] == 1, seen
        assert seen["review.assigned"] == seen["review.submitted"] == 3, seen
        files = season.portal(code, "GET", f"/v1/proposals/{pid}/evidence").json()["items"]
        assert len(files) == 1
        content = season.portal(
            code, "GET", f"/v1/proposals/{pid}/evidence/{files[0]['id']}/content"
        )
        assert content.status_code == 200
        assert (
            hashlib.sha256(content.content).digest()
            == hashlib.sha256(evidence_bytes(code)).digest()
        )
    eventually(lambda: settled(b), "stack B's notifications sent")
    assert not b.failed()

    # -- nothing sent twice ------------------------------------------------------------------
    sent_by_b = sent_messages(b.config.var_dir)
    twice = {m: n for m, n in Counter(sent_by_a + sent_by_b).items() if n > 1}
    assert not twice, f"sent more than once across the two stacks: {twice}"
    # The test could fail: both halves sent something, and what was in flight arrived.
    assert sent_by_a and sent_by_b
    submitted = [m for m in sent_by_a if m[0] == "email" and f"Inovasi {last}" in m[2]]
    assert submitted, "proposal 5's innovator heard of its submission in stack A"
    assert any(f"Inovasi {first[2]}" in m[2] for m in sent_by_b), (
        "the scores given while A's review worker was down reached notification in stack B"
    )
