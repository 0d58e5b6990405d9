"""The broker frozen (SIGSTOP) for 20 s under load: the submission API keeps
answering 201 (the outbox holds the events), and after SIGCONT everything
arrives once: each proposal reaches review once and each innovator gets one
email and one SMS.

A broker of its own: the session broker serves every other test.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from deploy.local.stack import Stack
from tests.brokers import Broker
from tests.faults.support import (
    Submitted,
    deliveries_done,
    eventually,
    lean_stack,
    mail_count,
    post_proposal,
    proposal_body,
    review_status_of,
    sms_count,
    unsent,
)

pytestmark = pytest.mark.e2e
FROZEN_S = 20
THREADS = 2


@dataclass(frozen=True)
class Answer:
    at: float
    status: int
    seconds: float
    proposal: Submitted | None


class Load:
    """Posts proposals from a few threads, one after another, until stopped."""

    def __init__(self, stack: Stack, key: str) -> None:
        self.stack, self.key = stack, key
        self.answers: list[Answer] = []
        self.stop = threading.Event()
        self._pool = ThreadPoolExecutor(THREADS)

    def __enter__(self) -> Load:
        for t in range(THREADS):
            self._pool.submit(self._post, t)
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self._pool.shutdown(wait=True)

    def _post(self, thread: int) -> None:
        session = requests.Session()
        base_url = self.stack.config.base_url("submission")
        n = thread
        while not self.stop.wait(0.1):  # about 15 proposals a second in all
            body = proposal_body(f"t{thread}", n)
            started = time.monotonic()
            response = post_proposal(session, base_url, self.key, body, timeout_s=10)
            innovator = body["innovators"][0]
            proposal = (
                Submitted(response.json()["id"], innovator["email"], "+62" + innovator["phone"][1:])
                if response.status_code == 201
                else None
            )
            self.answers.append(
                Answer(started, response.status_code, time.monotonic() - started, proposal)
            )
            n += THREADS


@pytest.fixture
def stack(own_broker: Broker, tmp_path: Path) -> Iterator[Stack]:
    stack = lean_stack(tmp_path, own_broker.bootstrap_servers).start()
    yield stack
    stack.stop()


def test_a_frozen_broker_fails_no_submission_and_loses_or_repeats_nothing(
    stack: Stack, own_broker: Broker
) -> None:
    key = stack.create_demo_agency()
    with Load(stack, key) as load:
        eventually(lambda: len(load.answers) >= 40, 30, "load under way")
        own_broker.freeze()
        frozen_at = time.monotonic()
        try:
            eventually(lambda: unsent(stack) >= 20, 15, "the outbox holding events")
            time.sleep(max(0.0, FROZEN_S - (time.monotonic() - frozen_at)))  # the outage itself
            during = [a for a in load.answers if a.at >= frozen_at]
            backlog = unsent(stack)
        finally:
            own_broker.thaw()
        thawed_at = time.monotonic()
        eventually(lambda: len(load.answers) >= len(during) + 60, 30, "load after the thaw")
    answers = load.answers
    assert {a.status for a in answers} == {201}, "every POST answered 201"
    assert len(during) >= 100, "the API kept taking proposals while the broker was frozen"
    slowest = max(a.seconds for a in during)
    print(
        f"\n{len(answers)} proposals, {len(during)} while frozen (slowest {slowest * 1000:.0f} ms); "
        f"outbox backlog {backlog} at the thaw"
    )
    assert slowest < 2, "a frozen broker must not hold up a request"

    submitted = [a.proposal for a in answers if a.proposal]
    ids = [s.id for s in submitted]
    eventually(lambda: unsent(stack) == 0, 60, "the outbox drained")
    eventually(lambda: len(review_status_of(stack, ids)) == len(ids), 60, "every one in review")
    eventually(lambda: deliveries_done(stack)[0] >= 2 * len(ids), 60, "every delivery sent")
    print(f"everything arrived {time.monotonic() - thawed_at:.1f}s after the thaw")
    time.sleep(1)  # room for a duplicate to arrive
    mails, sms = mail_count(stack), sms_count(stack)
    assert [s for s in submitted if mails[s.email] != 1] == [], "one email per innovator"
    assert [s for s in submitted if sms[s.phone] != 1] == [], "one SMS per innovator"
    assert not stack.failed()
