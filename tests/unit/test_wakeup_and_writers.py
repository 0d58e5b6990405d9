"""The wake-up of polling loops, and SQLite writers queued in the process."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.events.wakeup import Wakeup
from shared.platform.db import make_engine, writer_lock


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


def test_writers_of_one_file_in_one_process_queue_on_a_lock_reads_do_not(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    lock = writer_lock(str(tmp_path / "w.db"))
    entered = threading.Event()

    def write_elsewhere() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
            entered.set()

    with engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM t")).scalar()
        assert lock.acquire(blocking=False)  # a read takes nothing
        lock.release()
        conn.execute(text("INSERT INTO t VALUES (1)"))
        other = threading.Thread(target=write_elsewhere)
        other.start()
        assert not entered.wait(0.2)  # the second writer waits in Python, not in SQLite
    other.join(5)

    assert entered.is_set()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2
    assert lock.acquire(blocking=False)  # given back after each commit
    lock.release()
    engine.dispose()


def test_a_writer_holds_the_lock_file_other_processes_wait_on(tmp_path: Path) -> None:
    database = tmp_path / "p.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    other_process = os.open(f"{database}.writer-lock", os.O_RDWR | os.O_CREAT)

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(BlockingIOError):  # what another process's writer would meet
            fcntl.flock(other_process, fcntl.LOCK_EX | fcntl.LOCK_NB)
    fcntl.flock(other_process, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free after the commit

    os.close(other_process)
    engine.dispose()


def test_a_rolled_back_writer_gives_the_lock_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))  # duplicate key
    except Exception:
        pass
    released = threading.Event()
    thread = threading.Thread(
        target=lambda: writer_lock(str(tmp_path / "r.db")).acquire(timeout=2) and released.set()
    )
    thread.start()
    thread.join(5)

    assert released.is_set()
    engine.dispose()


def test_a_forked_child_takes_the_lock_on_a_file_of_its_own(tmp_path: Path) -> None:
    lock = writer_lock(str(tmp_path / "f.db"))
    lock.acquire()  # the parent opens its lock file, then forks
    lock.release()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit code
        lock.acquire()
        time.sleep(0.6)
        lock.release()
        os._exit(0)
    time.sleep(0.3)
    try:
        # Had the child flocked the parent's open file, the parent would get it too.
        assert not lock.acquire(blocking=False)
    finally:
        assert os.waitpid(child, 0)[1] == 0
    assert lock.acquire(blocking=False)
    lock.release()
