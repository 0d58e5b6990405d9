"""A worker's heartbeat follows its loops, and its shutdown has one deadline."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from shared.events.runner import run_loops
from shared.platform import liveness


def _beating(stop: threading.Event) -> None:
    while not stop.is_set():
        liveness.beat()
        stop.wait(0.05)


def _hanging_after_one_beat(stop: threading.Event) -> None:
    liveness.beat()
    time.sleep(0.6)  # a call that never returns, as far as the heartbeat can tell
    stop.wait()


def _run_for(loops: dict, seconds: float, heartbeat: Path) -> threading.Event:
    stop = threading.Event()
    runner = threading.Thread(
        target=run_loops, args=(loops, stop), kwargs={"heartbeat_file": str(heartbeat)}
    )
    runner.start()
    time.sleep(seconds)
    stop.set()
    runner.join(5)
    return stop


def test_the_heartbeat_is_fresh_while_the_loops_beat(tmp_path: Path) -> None:
    heartbeat = tmp_path / "alive"
    _run_for({"consumer-a": _beating, "relay": _beating}, 1.2, heartbeat)
    assert liveness.is_fresh(str(heartbeat), max_age_s=2)
    assert liveness.main([str(heartbeat), "--max-age", "2"]) == 0
    assert liveness.main([str(tmp_path / "missing")]) == 1


def test_a_hung_loop_lets_the_heartbeat_age(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(liveness, "STALE_S", 0.3)
    heartbeat = tmp_path / "alive"
    _run_for({"consumer-hung": _hanging_after_one_beat, "relay-ok": _beating}, 2.0, heartbeat)
    # The last touch came before the loop went silent for 0.3 s; nothing since.
    assert heartbeat.exists()
    assert not liveness.is_fresh(str(heartbeat), max_age_s=1.0)


def test_a_loop_that_ignores_the_stop_is_given_up_on_after_one_deadline() -> None:
    def stubborn(_stop: threading.Event) -> None:
        time.sleep(3)

    stop = threading.Event()
    stop.set()
    started = time.monotonic()
    assert run_loops({"a": stubborn, "b": stubborn}, stop, grace_s=0.5) == 1
    assert time.monotonic() - started < 1.5, "one deadline for all loops, not one each"
