"""When a message may go out: quiet hours of instant messages, send rate, digest hour."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.notification.domain.messages import DEFAULT_TIME_ZONE, INSTANT


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
    """A daily local-time window without instant messages (SMS, WhatsApp), such as
    21:00-07:00 (it may span midnight)."""

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


def earliest_send(
    channel: str, now: datetime, time_zone: str | None, quiet: QuietHours | None
) -> datetime:
    """When a message of ``channel`` to a recipient in ``time_zone`` may go out, from ``now``.

    The one place quiet hours are decided: asked when a delivery is recorded (its first
    ``next_attempt_at``) and again when it is due (it may have waited into the window
    since). Instant messages (SMS, WhatsApp) keep quiet hours; email goes at once.
    """
    if channel not in INSTANT or quiet is None:
        return now
    return quiet.not_before(now, time_zone)


def day_start(now: datetime, time_zone: str | None) -> datetime:
    """The start of ``now``'s day in ``time_zone`` (aware, in now's zone): where a daily
    cap starts counting."""
    local = now.astimezone(zone(time_zone))
    return datetime.combine(local.date(), time(0), tzinfo=local.tzinfo).astimezone(now.tzinfo)


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
