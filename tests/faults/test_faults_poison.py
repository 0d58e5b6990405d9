"""Poison records interleaved with valid ones on the proposals topic: each lands
in the dead-letter topic with its error, the valid ones are unaffected, and
the replay command (``python -m tools.dlq replay``) replays the dead-letter
topic once the cause is fixed.

The review worker is the real process. Three kinds of poison no retry can
fix (bytes that are not JSON, a record without ``ce_id``, a payload that
fails its schema) and one kind that a fix can: valid proposals that a faulty
constraint in the review database rejects (a trigger, standing for a bad
migration). The worker retries those a few times, dead-letters them and moves
on; the constraint is dropped; the replay brings them back and each is taken
in once. The unfixable ones come back to the dead-letter topic, unchanged.

A broker of its own, so that the replay sees only this test's dead letters.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from deploy.local.stack import Stack
from shared.events.catalog import PROPOSALS
from shared.events.envelope import Record, to_record
from shared.platform.db import make_engine, normalise_url
from tests.brokers import Broker
from tests.faults.support import (
    eventually,
    produce,
    review_status_of,
    review_worker_only,
    submitted_events,
)
from tools.dlq import read_all

pytestmark = pytest.mark.e2e
DLQ = f"{PROPOSALS}.dlq"
REJECTED = "rejected by a faulty constraint"


def add_faulty_constraint(database_url: str) -> None:
    engine = make_engine(database_url)
    sqlite = make_url(normalise_url(database_url)).get_backend_name() == "sqlite"
    with engine.begin() as conn:
        if sqlite:
            conn.execute(
                text(
                    "CREATE TRIGGER faulty BEFORE INSERT ON review_proposals "
                    f"WHEN NEW.title LIKE 'REJECT%' BEGIN SELECT RAISE(ABORT, '{REJECTED}'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION faulty() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    f"IF NEW.title LIKE 'REJECT%' THEN RAISE EXCEPTION '{REJECTED}'; END IF; "
                    "RETURN NEW; END $$"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER faulty BEFORE INSERT ON review_proposals "
                    "FOR EACH ROW EXECUTE FUNCTION faulty()"
                )
            )
    engine.dispose()


def drop_faulty_constraint(database_url: str) -> None:
    engine = make_engine(database_url)
    sqlite = make_url(normalise_url(database_url)).get_backend_name() == "sqlite"
    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER faulty" + ("" if sqlite else " ON review_proposals")))
    engine.dispose()


@pytest.fixture
def review_database(database_factory: Callable[[], str]) -> str:
    return database_factory()


@pytest.fixture
def stack(own_broker: Broker, tmp_path: Path, review_database: str) -> Iterator[Stack]:
    stack = review_worker_only(
        tmp_path,
        own_broker.bootstrap_servers,
        review_database,
        migrated=lambda: add_faulty_constraint(review_database),
    )
    yield stack
    stack.stop()


def poison(n: int) -> Record:
    """The n-th unfixable poison record: not JSON, no ``ce_id``, a payload failing its schema."""
    good = to_record(submitted_events(1)[0])
    if n % 3 == 0:
        return Record(f"garbage-{n}".encode(), b"\xff not json", good.headers)
    if n % 3 == 1:
        headers = [(k, v) for k, v in good.headers if k != "ce_id"]
        return Record(f"no-id-{n}".encode(), good.value, headers)
    return Record(f"invalid-{n}".encode(), b'{"proposal_id": 42}', good.headers)


EXPECTED_REASON = {
    "garbage": "InvalidEvent: body is not JSON",
    "no-id": "InvalidEvent: ce_id is missing",
    "invalid": "ValidationError: ",
}


def replay_command(bootstrap: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "tools.dlq", "replay", DLQ],
        env={**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


def test_poison_is_dead_lettered_with_its_error_and_replayed_once_the_cause_is_fixed(
    stack: Stack, own_broker: Broker, review_database: str
) -> None:
    bootstrap = own_broker.bootstrap_servers
    valid = submitted_events(12)
    fixable = submitted_events(3, title="REJECT")
    unfixable = [poison(n) for n in range(6)]
    poisons = unfixable + [to_record(e) for e in fixable]
    records: list[Record] = []
    for n, event in enumerate(valid):  # valid, poison, valid, poison, ...
        records.append(to_record(event))
        records.extend(poisons[n : n + 1])
    produce(bootstrap, PROPOSALS, records)
    valid_ids = [e.subject for e in valid]
    fixable_ids = [e.subject for e in fixable]

    poisoned = len(poisons)
    eventually(lambda: len(read_all(bootstrap, DLQ)) >= poisoned, 90, "every poison dead-lettered")
    eventually(lambda: len(review_status_of(stack, valid_ids)) == len(valid), 30, "the valid ones")
    dead = read_all(bootstrap, DLQ)
    assert len(dead) == poisoned
    for letter in dead:
        assert letter.why["consumer_group"] == "inagara.review"
        assert letter.why["topic"] == PROPOSALS
        kind = (letter.key or b"").decode().rsplit("-", 1)[0]
        if kind in EXPECTED_REASON:
            assert letter.why["reason"].startswith(EXPECTED_REASON[kind]), letter.why
        else:
            assert letter.key in {i.encode() for i in fixable_ids}
            assert REJECTED in letter.why["reason"], letter.why
    assert review_status_of(stack, fixable_ids) == {}, "nothing of a rejected proposal was kept"

    drop_faulty_constraint(review_database)  # the cause is fixed
    out = replay_command(bootstrap)
    assert f"replayed {poisoned} records from {DLQ}" in out, out
    eventually(
        lambda: len(review_status_of(stack, fixable_ids)) == len(fixable), 60, "the fixed ones"
    )
    # The unfixable ones are dead-lettered again, as they were; nothing else is.
    eventually(lambda: len(read_all(bootstrap, DLQ)) >= poisoned + len(unfixable), 60, "again")
    dead_keys = Counter(d.key for d in read_all(bootstrap, DLQ))
    assert dead_keys == Counter({r.key: 2 for r in unfixable} | {r.key: 1 for r in poisons[6:]})
    assert len(review_status_of(stack, valid_ids + fixable_ids)) == len(valid) + len(fixable)
    assert not stack.failed()
