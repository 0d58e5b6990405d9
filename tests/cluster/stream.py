"""A steady stream of proposals through the whole stack, and what it shows after a fault:
every 201, every proposal's email and SMS (once each), the delays, the recovery."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests

from deploy.local.mailcatcher import read_mail
from deploy.local.stack import Stack
from tests.faults.support import (
    Submitted,
    eventually,
    files_in,
    mails_and_sms,
    post_proposal,
    proposal_body,
    sms_count,
)


@dataclass(frozen=True)
class Answer:
    posted_at: float  # wall clock, as the mail catcher names its files
    answered_at: float
    status: int
    proposal: Submitted | None


STREAM_TIMEOUT_S = 240


class Stream:
    """POSTs proposals at ``rate`` a second, paced (not a burst), until the block ends.

    Answers are recorded in the order they came; a POST that fails to connect is
    retried with its Idempotency-Key (support.post_proposal), anything but 201 is
    recorded as it is, for the test to assert on.
    """

    def __init__(self, stack: Stack, key: str, rate: float, threads: int = 8) -> None:
        self.stack, self.key, self.rate = stack, key, rate
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(threads)
        self._local = threading.local()
        self._pacer = threading.Thread(target=self._pace, name="stream", daemon=True)
        self._run = uuid.uuid4().hex[:6]
        # Numbers of their own (the phone numbers follow them): events a stopped
        # stack left on the topics reach the next test's SMS gateway too.
        self._base = random.randrange(1, 900) * 100_000

    def __enter__(self) -> Stream:
        self._pacer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._pacer.join()
        self._pool.shutdown(wait=True)

    def _pace(self) -> None:
        started, n = time.monotonic(), 0
        while not self._stop.wait(max(0.0, started + n / self.rate - time.monotonic())):
            self._pool.submit(self._post, self._base + n)
            n += 1

    def _post(self, n: int) -> None:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        body = proposal_body(self._run, n)
        posted_at = time.time()
        response = post_proposal(
            self._local.session, self.stack.config.base_url("submission"), self.key, body
        )
        innovator = body["innovators"][0]
        proposal = (
            Submitted(response.json()["id"], innovator["email"], "+62" + innovator["phone"][1:])
            if response.status_code == 201
            else None
        )
        self.answers.append(Answer(posted_at, time.time(), response.status_code, proposal))

    def posted_since(self, moment: float) -> int:
        return sum(1 for a in self.answers if a.posted_at >= moment)

    def run_until(self, count: int, caught_up: Callable[[], bool], after_s: float) -> None:
        """Keep streaming until ``count`` answers and ``caught_up()``, then ``after_s`` more
        (the steady state after the recovery, measured too)."""
        eventually(
            lambda: len(self.answers) >= count and caught_up(),
            STREAM_TIMEOUT_S,
            f"{count} proposals streamed and the backlog caught up",
        )
        time.sleep(after_s)


def caught_up(stack: Stack, stream: Stream, moment: float) -> Callable[[], bool]:
    """As many emails as proposals accepted before ``moment`` (a cheap count, for the
    stream to go on until the backlog has cleared; ``settle`` checks each one)."""
    before = sum(1 for a in stream.answers if a.posted_at < moment)
    return lambda: files_in(stack.config.mail_dir, "*.eml") >= before


@dataclass(frozen=True)
class Outcome:
    proposals: int
    longest_delay_s: float  # 201 -> email accepted by our SMTP server
    recovery_s: float  # fault's end -> the last email of a proposal accepted before it
    steady_delay_s: float | None  # the longest 201 -> email of proposals accepted after it


def settle(stack: Stack, stream: Stream, fault_end: float, timeout_s: float = 240) -> Outcome:
    """Wait until every proposal's email and SMS arrived, check each arrived exactly once,
    and measure the delays."""
    assert stream.answers, "no proposal streamed"
    statuses = Counter(a.status for a in stream.answers)
    assert statuses == {201: len(stream.answers)}, f"POST /v1/proposals answered {statuses}"
    answers = [a for a in stream.answers if a.proposal]
    eventually(
        lambda: sum(mails_and_sms(stack)) >= 2 * len(answers),
        timeout_s,
        f"{2 * len(answers)} emails and SMS at the catcher and the gateway",
    )
    time.sleep(1)  # room for a duplicate to arrive
    arrivals: dict[str, list[float]] = {}
    for mail in read_mail(stack.config.mail_dir):
        for rcpt in mail.rcpt_tos:  # the catcher names its files by arrival (ns)
            arrivals.setdefault(rcpt, []).append(int(mail.path.name.split("-")[0]) / 1e9)
    texts = sms_count(stack)
    proposals = [a.proposal for a in answers if a.proposal]
    lost_mail = [p.email for p in proposals if p.email not in arrivals]
    twice_mail = [p.email for p in proposals if len(arrivals.get(p.email, [])) > 1]
    lost_sms = [p.phone for p in proposals if texts[p.phone] == 0]
    twice_sms = [p.phone for p in proposals if texts[p.phone] > 1]
    assert (lost_mail, twice_mail) == ([], []), "every email exactly once"
    assert (lost_sms, twice_sms) == ([], []), "every SMS exactly once"
    assert not stack.failed(), f"processes died: {stack.failed()}"

    delays = {a: arrivals[a.proposal.email][0] - a.answered_at for a in answers if a.proposal}
    before = [
        arrivals[a.proposal.email][0] for a in answers if a.proposal and a.posted_at < fault_end
    ]
    recovered_at = max([fault_end, *before])
    after = [d for a, d in delays.items() if a.posted_at >= recovered_at]
    return Outcome(
        proposals=len(answers),
        longest_delay_s=max(delays.values()),
        recovery_s=recovered_at - fault_end,
        steady_delay_s=max(after, default=None),
    )
