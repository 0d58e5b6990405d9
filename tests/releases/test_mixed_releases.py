"""Two releases side by side on the real broker (docs/OPERATE.md: Releases).

For each service, its last release (built from the commit recorded in
releases/releases.toml into .venv-releases/) runs against the current code of the
other two; then the reverse, the current service against the other two's last
releases. Proposals go through the whole path: each reaches its innovator's email
and SMS and its reviewer's, the review facts come back to the submission timeline,
and nothing lands in a dead-letter topic. Last, a dead-letter topic written by the
old review release is replayed into the new one.

One broker for the tier (tests/conftest.py), SQLite databases, a few proposals each.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from shared.events.catalog import PROPOSALS
from tests.conftest import DatabaseFactory, _backends
from tests.faults.support import (
    assignment_messages,
    eventually,
    mail_count,
    post_proposal,
    prepare_review,
    proposal_body,
    review_status_of,
    sms_count,
    submit_many,
    timeline_types,
)
from tests.faults.test_faults_poison import (
    REJECTED,
    add_faulty_constraint,
    drop_faulty_constraint,
)
from tests.releases.support import MixedStack, dead_letters, mixed_stack
from tools.dlq import read_all
from tools.release import SERVICE_NAMES
from tools.services import NAMES

# Each case once, on the run's last database backend: PostgreSQL (as in production) when
# TEST_DATABASE_URL names a server, else SQLite.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("database_factory", _backends()[-1:], indirect=True),
]
PROPOSALS_PER_RUN = 3
REVIEW_FACTS = ("proposal.screened", "review.assigned")

# Each released service old alone, then each new alone (the other released ones old); a
# service never released (results) always runs this tree.
RELEASED = tuple(name for name in NAMES if name in SERVICE_NAMES)
CASES = [(name,) for name in RELEASED] + [
    tuple(n for n in RELEASED if n != name) for name in RELEASED
]


def case_id(old: tuple[str, ...]) -> str:
    new = [n for n in NAMES if n not in old]
    return f"old-{'+'.join(old)}--new-{'+'.join(new)}"


def every_path_done(stack: MixedStack, submitted: list) -> bool:
    mails, texts = mail_count(stack), sms_count(stack)
    emails, sms = assignment_messages(stack)
    timelines = timeline_types(stack)
    return all(
        mails[s.email] >= 1
        and texts[s.phone] >= 1
        and emails[s.title] >= 1
        and sms[s.title] >= 1
        and all(timelines.get(s.id, {}).get(fact) for fact in REVIEW_FACTS)
        for s in submitted
    )


@pytest.mark.parametrize("old", CASES, ids=case_id)
def test_a_release_runs_beside_the_others(
    old: tuple[str, ...], tmp_path: Path, kafka_bootstrap: str, database_factory: DatabaseFactory
) -> None:
    before = dead_letters(kafka_bootstrap)
    stack = mixed_stack(tmp_path, kafka_bootstrap, old, database_factory)
    started = time.monotonic()
    stack.start()
    try:
        for name in NAMES:  # each process runs the release it should
            for process in (f"{name}-web", f"{name}-worker"):
                runs_old = ".venv-releases" in stack.commands[process][0]
                assert runs_old == (name in old), process
        key = stack.create_demo_agency()
        prepare_review(stack, reviewers_per_proposal=1)
        submitted = submit_many(stack, key, PROPOSALS_PER_RUN, threads=PROPOSALS_PER_RUN)
        eventually(lambda: every_path_done(stack, submitted), 120, "every proposal's path")
        mails, texts = mail_count(stack), sms_count(stack)
        assert all(mails[s.email] == 1 and texts[s.phone] == 1 for s in submitted), "once"
        assert not stack.failed()
        print(f"\n{case_id(old)}: {time.monotonic() - started:.1f}s from start to the last SMS")
    finally:
        stack.stop()
    assert dead_letters(kafka_bootstrap) == before, "nothing in a dead-letter topic"


def replay(bootstrap: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "tools.dlq", "replay", f"{PROPOSALS}.dlq"],
        env={**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


def test_dead_letters_of_the_old_review_are_replayed_into_the_new(
    tmp_path: Path, kafka_bootstrap: str, database_factory: DatabaseFactory
) -> None:
    dlq = f"{PROPOSALS}.dlq"
    stack = mixed_stack(tmp_path, kafka_bootstrap, ("review",), database_factory)
    stack.start()
    review_db = stack.config.database_urls["review"]
    try:
        key = stack.create_demo_agency()
        prepare_review(stack, reviewers_per_proposal=1)
        add_faulty_constraint(review_db)  # the old release's fault: it refuses these
        run = uuid.uuid4().hex[:6]
        session = requests.Session()
        ids, innovators = [], []
        for n in range(PROPOSALS_PER_RUN):
            body = {**proposal_body(run, n), "title": f"REJECT {run} #{n}"}
            response = post_proposal(session, stack.config.base_url("submission"), key, body)
            assert response.status_code == 201, response.text
            ids.append(response.json()["id"])
            innovators.append(body["innovators"][0]["email"])
        keys = {i.encode() for i in ids}

        def ours() -> list:
            return [d for d in read_all(kafka_bootstrap, dlq) if d.key in keys]

        eventually(lambda: len(ours()) == len(ids), 90, "the old review dead-letters them")
        for letter in ours():
            assert letter.why["consumer_group"] == "inagara.review"
            assert REJECTED in letter.why["reason"], letter.why

        # The upgrade: SIGTERM the old worker, migrate with the new code, start the new one.
        stack.kill("review-worker", signal.SIGTERM)
        del stack.old["review"]
        drop_faulty_constraint(review_db)  # the new release has no such fault
        stack.migrate("review")
        stack.start_worker("review")
        stack.wait_consuming("review")

        out = replay(kafka_bootstrap)
        assert "replayed" in out, out
        eventually(lambda: len(review_status_of(stack, ids)) == len(ids), 90, "taken in")
        eventually(
            lambda: all(
                assignment_messages(stack)[0][f"REJECT {run} #{n}"] for n in range(len(ids))
            ),
            90,
            "the new review assigned them",
        )
        mails = mail_count(stack)
        assert all(mails[email] == 1 for email in innovators), "replayed, never sent twice"
        assert len(ours()) == len(ids), "none dead-lettered again"
        assert not stack.failed()
    finally:
        stack.stop()
