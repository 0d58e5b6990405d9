"""The wake-up of polling loops, and SQLite writers taking the write lock at BEGIN IMMEDIATE."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from shared.events.wakeup import Wakeup
from shared.platform.db import make_engine


def test_a_notification_wakes_every_waiter_once() -> None:
    wakeup = Wakeup()
    first, second = wakeup.waiter(), wakeup.waiter()

    wakeup.notify()

    assert first.wait(5) and second.wait(5)  # one clearing its flag leaves the other's
    assert not first.wait(0.01)  # consumed: the next wait times out


def test_a_waiter_blocks_until_notified() -> None:
    waiter = Wakeup()
    mine = waiter.waiter()
    woken: list[bool] = []
    thread = threading.Thread(target=lambda: woken.append(mine.wait(10)))
    thread.start()
    time.sleep(0.05)
    assert thread.is_alive()

    waiter.notify()
    thread.join(5)

    assert woken == [True]


def _table(tmp_path: Path, name: str) -> tuple[Engine, Path]:
    database = tmp_path / name
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY)"))
    return engine, database


def test_a_transaction_takes_the_write_lock_at_its_first_write_not_before(
    tmp_path: Path,
) -> None:
    engine, _ = _table(tmp_path, "b.db")
    statements: list[str] = []

    with engine.begin() as conn:
        conn.connection.driver_connection.set_trace_callback(statements.append)  # type: ignore[union-attr]
        conn.execute(text("SELECT count(*) FROM t"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        conn.connection.driver_connection.set_trace_callback(None)  # type: ignore[union-attr]

    begins = [n for n, sql in enumerate(statements) if sql.upper().startswith("BEGIN")]
    assert [statements[n].split() for n in begins] == [["BEGIN", "IMMEDIATE"]]
    assert statements[begins[0] - 1].startswith("SELECT")
    assert statements[begins[0] + 1].startswith("INSERT")
    engine.dispose()


def test_a_writer_holds_the_write_lock_until_it_commits_and_reads_go_on(tmp_path: Path) -> None:
    engine, _ = _table(tmp_path, "w.db")
    entered = threading.Event()

    def write_elsewhere() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
            entered.set()

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        other = threading.Thread(target=write_elsewhere)
        other.start()
        assert not entered.wait(0.3)  # the second writer waits for the first
        with engine.connect() as reader:  # a read does not
            assert reader.execute(text("SELECT count(*) FROM t")).scalar() == 0
    other.join(10)

    assert entered.is_set()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2
    engine.dispose()


def test_a_writer_in_another_process_waits_for_the_lock(tmp_path: Path) -> None:
    engine, database = _table(tmp_path, "p.db")
    other_process = [
        sys.executable,
        "-c",
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=0.2); "
        "c.execute('INSERT INTO t VALUES (2)'); c.commit()",
        str(database),
    ]

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        refused = subprocess.run(other_process, capture_output=True, text=True, check=False)
    after = subprocess.run(other_process, capture_output=True, text=True, check=False)

    assert "database is locked" in refused.stderr
    assert after.returncode == 0, after.stderr
    engine.dispose()


def test_many_writers_all_get_through_and_lose_nothing(tmp_path: Path) -> None:
    engine, _ = _table(tmp_path, "c.db")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (n INTEGER)"))
        conn.execute(text("INSERT INTO counter VALUES (0)"))
    errors: list[BaseException] = []

    def add(times: int) -> None:
        try:
            for _ in range(times):
                with engine.begin() as conn:
                    conn.execute(text("UPDATE counter SET n = n + 1"))
                    n = conn.execute(text("SELECT n FROM counter")).scalar()
                    conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(25,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT n FROM counter")).scalar() == 200
        # Each writer read its own increment: no two saw the same value.
        assert conn.execute(text("SELECT count(DISTINCT n) FROM t")).scalar() == 200
    engine.dispose()


def test_a_rolled_back_writer_gives_the_lock_back(tmp_path: Path) -> None:
    engine, _ = _table(tmp_path, "r.db")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))  # duplicate key

    done = threading.Event()

    def write() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(5)

    assert done.is_set()
    engine.dispose()
