"""A worker's liveness signal: its loops beat, and while they do a heartbeat file stays fresh.

A worker serves no HTTP, so Kubernetes cannot ask it whether it lives; it reads a file
instead. ``run_loops`` (``shared/events/runner.py``) touches ``INAGARA_HEARTBEAT_FILE``
every half second while every loop thread is alive and every loop that beats (the
consumers, the outbox relay, a connection being retried) has beaten within
``STALE_S``. A consumer stuck in a handler, or a relay hung on a call, lets the file
age; the kubelet's probe then restarts the pod and the partitions move on.

    python -m shared.platform.liveness /tmp/inagara-alive      # exit 0 if fresh, 1 if not
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

STALE_S = 120.0  # a loop silent for longer is hung (a batch never takes this long)
_beats: dict[str, float] = {}


def beat() -> None:
    """The calling loop (its thread's name) is making progress."""
    _beats[threading.current_thread().name] = time.monotonic()


def stale(names: Iterable[str], max_age_s: float = STALE_S, now: float | None = None) -> list[str]:
    """The loops among ``names`` whose last beat is older than ``max_age_s``; a loop
    that never beat is not watched (its thread being alive is all that is asked)."""
    now = time.monotonic() if now is None else now
    return [name for name in names if name in _beats and now - _beats[name] > max_age_s]


def touch(path: str) -> None:
    Path(path).touch()
    os.utime(path)


def is_fresh(path: str, max_age_s: float = STALE_S / 4) -> bool:
    try:
        return time.time() - Path(path).stat().st_mtime <= max_age_s
    except OSError:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.platform.liveness", description=__doc__)
    parser.add_argument("path", help="the worker's INAGARA_HEARTBEAT_FILE")
    parser.add_argument("--max-age", type=float, default=30.0, help="seconds (default 30)")
    args = parser.parse_args(argv)
    if is_fresh(args.path, args.max_age):
        return 0
    print(
        f"{args.path} older than {args.max_age:g}s or missing: the worker is hung", file=sys.stderr
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
