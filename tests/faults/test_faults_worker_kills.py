"""Every worker SIGKILLed at random moments during a 2,000-proposal run and
restarted: every proposal ends screened and assigned, every innovator gets
one confirmation email and one SMS, every reviewer one message per assignment;
none twice.

One exception, found by this test and kept visible: a notification worker
killed in the instant between committing a message as handed over and its
last byte (the SMTP final dot, the request's end) loses that message; the
service records it as presumed sent. Over SMTP no sender can make that instant
exactly-once (it chose at most once); the test allows exactly those, at most
one per sender and kill (EMAIL_SENDERS + SMS_SENDERS), and prints them.

Real processes (the local stack: gunicorn, three workers, mail catcher, SMS
gateway) on a broker of its own (the 2,000 proposals' events would slow down
the tests that read the shared topics from the beginning), SQLite, one process
per service. A SIGKILL
leaves offsets uncommitted and, for the notification worker, a message half
handed over: redelivery and the inboxes, the outbox relay's at-least-once
publishing and the notification hand-over commit must add up to exactly once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from deploy.local.stack import Stack
from services.notification.config import NotificationConfig
from services.notification.usecases.dispatch import CLAIM_LOST
from tests.brokers import Broker
from tests.faults.support import (
    assignment_messages,
    deliveries_done,
    eventually,
    lean_stack,
    mail_count,
    mails_and_sms,
    prepare_review,
    review_status_of,
    sms_count,
    submit_many,
    timeline_types,
)

pytestmark = pytest.mark.e2e
PROPOSALS = 2_000
WORKERS = ("submission-worker", "review-worker", "notification-worker")
# One reviewer each: the demo team's three reviewers can take 3,000 proposals at
# most (the API caps a load at 1,000), and every extra assignment is two more
# messages to send without proving anything more.
REVIEWERS_PER_PROPOSAL = 1


@dataclass(frozen=True)
class Tally:
    lost: list[tuple[str, str]]  # innovators' messages never received: (channel, address)
    unreceived: int  # assignment messages never received
    presumed: set[tuple[str, str]]  # deliveries the service presumes sent after a kill
    most: int  # the most copies of one message received
    repeats: int  # copies received beyond the first, over every message

    def line(self, kills: int, claims_lost: int) -> str:
        """The counts, read by deploy/local/contended.py."""
        missing = len(self.lost) + self.unreceived
        untraced = max(len(set(self.lost) - self.presumed), missing - len(self.presumed), 0)
        return (
            f"tally kills: duplicates={self.repeats} lost={untraced} "
            f"presumed_sent={len(self.presumed)} missing_presumed={missing - untraced} "
            f"kills={kills} claims_lost={claims_lost}"
        )

    def settled(self) -> bool:
        return len(self.lost) + self.unreceived <= len(self.presumed)


def kill_at_random(
    stack: Stack, rng: random.Random, enough: Callable[[list[str]], bool], timeout_s: float
) -> list[tuple[float, str]]:
    """SIGKILL a random worker every 0.5-3 s and restart it at once, until ``enough(killed)``.

    Runs on the main thread: the stack ties each child to the thread that
    started it (PR_SET_PDEATHSIG), so a worker restarted from a helper thread
    would get SIGTERM when that thread ends.
    """
    started = time.monotonic()
    kills: list[tuple[float, str]] = []
    while not enough([name for _, name in kills]):
        assert time.monotonic() - started < timeout_s, f"still killing after {timeout_s}s"
        time.sleep(rng.uniform(0.5, 3.0))
        name = rng.choice(WORKERS)
        stack.kill(name)
        kills.append((round(time.monotonic() - started, 1), name))
        stack.restart(name)
    return kills


@pytest.fixture
def stack(own_broker: Broker, tmp_path: Path) -> Iterator[Stack]:
    stack = lean_stack(tmp_path, own_broker.bootstrap_servers).start()
    yield stack
    stack.stop()


def test_workers_killed_at_random_lose_nothing_and_repeat_nothing(stack: Stack) -> None:
    seed = random.randrange(1 << 30)
    print(f"\nseed {seed}")
    key = stack.create_demo_agency()
    prepare_review(stack, REVIEWERS_PER_PROPOSAL)
    started = time.monotonic()
    with ThreadPoolExecutor(1) as background:
        posting = background.submit(submit_many, stack, key, PROPOSALS)

        def enough(killed: list[str]) -> bool:
            # Every worker died at least once, some while proposals were still coming.
            return posting.done() and set(killed) == set(WORKERS)

        kills = kill_at_random(stack, random.Random(seed), enough, timeout_s=150)
        submitted = posting.result()
    ids = [s.id for s in submitted]
    print(f"{len(kills)} kills (seconds after the first POST, worker): {kills}")

    # Wait on cheap counts (file names, one query) and read the messages once at the end.
    assignments = REVIEWERS_PER_PROPOSAL * PROPOSALS
    expected = PROPOSALS + assignments  # emails; as many SMS
    eventually(lambda: deliveries_done(stack)[0] >= 2 * expected, 240, "every delivery sent")
    _, presumed = deliveries_done(stack)
    eventually(
        lambda: sum(mails_and_sms(stack)) >= 2 * expected - len(presumed),
        30,
        "every email and SMS in the catcher and the gateway",
    )

    def all_assigned() -> bool:
        statuses = review_status_of(stack, ids)
        return len(statuses) == PROPOSALS and set(statuses.values()) == {"assigned"}

    eventually(all_assigned, 60, "every proposal screened and assigned")
    expected_timeline = {
        "proposal.submitted": 1,
        "proposal.screened": 1,
        "review.assigned": REVIEWERS_PER_PROPOSAL,
    }
    eventually(
        lambda: (
            (timelines := timeline_types(stack))
            and all(timelines.get(i) == expected_timeline for i in ids)
        ),
        60,
        "every screening and assignment on the submission timelines",
    )
    done = time.monotonic()
    print(f"all screened, assigned and confirmed {done - started:.1f}s after the first POST")
    titles = [s.title for s in submitted]

    def tally() -> Tally:
        mails, sms = mail_count(stack), sms_count(stack)
        emails, texts = assignment_messages(stack)
        return Tally(
            lost=[("email", s.email) for s in submitted if not mails[s.email]]
            + [("sms", s.phone) for s in submitted if not sms[s.phone]],
            unreceived=sum(1 for t in titles if not emails[t])
            + sum(1 for t in titles if not texts[t]),
            presumed=deliveries_done(stack)[1],
            most=max(
                max(mails[s.email] for s in submitted),
                max(sms[s.phone] for s in submitted),
                max(emails[t] for t in titles),
                max(texts[t] for t in titles),
            ),
            repeats=sum(
                max(n - 1, 0)
                for n in (
                    *(mails[s.email] for s in submitted),
                    *(sms[s.phone] for s in submitted),
                    *(emails[t] for t in titles),
                    *(texts[t] for t in titles),
                )
            ),
        )

    # Everything received, or presumed sent (see the module's docstring); then a
    # second for a duplicate to show up.
    eventually(lambda: tally().settled(), 60, "every message received or presumed sent")
    time.sleep(1)
    final = tally()
    print(
        f"presumed sent after a kill: {sorted(final.presumed)}; never received: {final.lost} "
        f"and {final.unreceived} assignment messages"
    )
    log = stack.config.var_dir / "log" / "notification-worker.log"
    print(final.line(len(kills), log.read_text(errors="replace").count(CLAIM_LOST)))
    assert final.most == 1, "no message twice"
    assert set(final.lost) <= final.presumed, "an innovator's message lost without a trace"
    assert final.settled(), "a message lost without a trace"
    notification_kills = sum(1 for _, name in kills if name == "notification-worker")
    senders = NotificationConfig().email_senders + NotificationConfig().sms_senders
    assert len(final.lost) + final.unreceived <= senders * notification_kills, "one per sender"
    assert not stack.failed()
