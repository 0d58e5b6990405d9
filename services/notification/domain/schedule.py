"""When a message may go out: retry backoff, SMS quiet hours, send rate, digest hour."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.notification.domain.messages import DEFAULT_TIME_ZONE, SMS


def retry_delay(
    attempt: int, rng: random.Random, base_s: float = 2.0, cap_s: float = 600.0
) -> timedelta:
    """Exponential backoff with jitter for the ``attempt``-th failed send.

    Uniform between half the base and ``min(cap, base * 2**(attempt-1))``: the
    jitter spreads a burst of failures so they do not all come back at once.
    """
    return timedelta(seconds=rng.uniform(base_s / 2, min(cap_s, base_s * 2 ** max(attempt - 1, 0))))


def zone(name: str | None) -> ZoneInfo:
    """The named time zone; an unknown or empty name means Asia/Jakarta."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def is_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _clock_time(text: str) -> time:
    hours, _, minutes = text.strip().partition(":")
    return time(int(hours), int(minutes or 0))


@dataclass(frozen=True)
class QuietHours:
    """A daily local-time window without SMS, such as 21:00-07:00 (it may span midnight)."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """``"21:00-07:00"`` -> QuietHours; ``""`` -> None (no quiet hours).

        Raises ``ValueError`` for anything else.
        """
        if not text.strip():
            return None
        start, sep, end = text.partition("-")
        if not sep:
            raise ValueError(f"quiet hours must look like 21:00-07:00, got {text!r}")
        return cls(_clock_time(start), _clock_time(end))

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def not_before(self, now: datetime, time_zone: str | None) -> datetime:
        """``now`` if outside the window in the recipient's zone, else the window's end (aware)."""
        tz = zone(time_zone)
        local = now.astimezone(tz)
        if not self.contains(local.time().replace(tzinfo=None)):
            return now
        end = datetime.combine(local.date(), self.end, tzinfo=tz)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=tz)
        return end.astimezone(now.tzinfo)


def may_send_from(
    channel: str, now: datetime, time_zone: str | None, quiet: QuietHours | None
) -> datetime:
    """The one quiet-hours rule: when a message on ``channel`` may go out, from ``now``.

    Only SMS keeps quiet hours (in the recipient's zone); email goes at any hour.
    Applied when a delivery is recorded and again when it comes due (a retry's
    time may fall inside the window), always through this function.
    """
    if channel != SMS or quiet is None:
        return now
    return quiet.not_before(now, time_zone)


class TokenBucket:
    """A send rate limit: ``rate`` tokens a second, bursts of up to ``capacity``.

    The caller passes the monotonic time in. A rate of 0 means no limit. Safe to
    share between the senders (threads) of one process.
    """

    def __init__(self, rate: float, capacity: float | None = None, now: float = 0.0) -> None:
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(rate, 1.0)
        self._tokens = self.capacity
        self._at = now
        self._lock = threading.Lock()

    def wait_for_token(self, now: float) -> float:
        """Seconds to wait before the next send; 0 means go (and a token is taken)."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            self._tokens = min(self.capacity, self._tokens + max(0.0, now - self._at) * self.rate)
            self._at = max(self._at, now)
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate


def next_digest_time(after: datetime, at: time, time_zone: str | None) -> datetime:
    """The first digest hour (local ``at``) strictly after ``after`` (aware, in after's zone)."""
    tz = zone(time_zone)
    local = after.astimezone(tz)
    candidate = datetime.combine(local.date(), at, tzinfo=tz)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=tz)
    return candidate.astimezone(after.tzinfo)


def parse_clock_time(text: str) -> time:
    """``"07:30"`` -> time(7, 30); raises ``ValueError``."""
    return _clock_time(text)
