"""Wakes a worker's polling loops as soon as there is work for them.

The consumer of a worker writes outbox rows (and, in the notification
service, deliveries) that other loops of the same process then poll for.
Rather than leave them to find the work on their next poll, the consumer
notifies them once its transaction has committed. Polling stays as the
fallback: a notification may be missed, and other processes write too.
"""

from __future__ import annotations

import threading


class Wakeup:
    """A wake-up call to many loops; each loop waits on a flag of its own,
    so one loop clearing its flag never swallows another's wake-up."""

    def __init__(self) -> None:
        self._flags: list[threading.Event] = []
        self._lock = threading.Lock()

    def waiter(self) -> Waiter:
        flag = threading.Event()
        with self._lock:
            self._flags.append(flag)
        return Waiter(flag)

    def notify(self) -> None:
        for flag in self._flags:
            flag.set()


class Waiter:
    """One loop's end of a ``Wakeup``."""

    def __init__(self, flag: threading.Event | None = None) -> None:
        self._flag = flag or threading.Event()

    def wait(self, timeout_s: float) -> bool:
        """Block until notified or ``timeout_s`` passed; True when notified."""
        woken = self._flag.wait(timeout_s)
        self._flag.clear()
        return woken
