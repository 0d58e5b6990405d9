"""The clock port: wall time for schedules, monotonic time and waiting for rate limits.

``SystemClock`` for real; ``FakeClock`` in unit tests, so that quiet hours,
backoff and the digest hour can be tested at any time of day.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> None:
        """Wait ``seconds``, or less if ``stop`` is set meanwhile."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> None:
        (stop or threading.Event()).wait(seconds)


class FakeClock:
    """Time stands still until a test (or a ``sleep``) moves it."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        self._mono = 0.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def sleep(self, seconds: float, stop: threading.Event | None = None) -> None:
        self.slept.append(seconds)
        self.advance(timedelta(seconds=seconds))

    def advance(self, by: timedelta) -> None:
        self._now += by
        self._mono += by.total_seconds()

    def set(self, now: datetime) -> None:
        self._mono += max((now - self._now).total_seconds(), 0.0)
        self._now = now
