"""Exponential backoff with jitter: the one rule for how long to wait before trying again.

Used by the consumer (a partition's transient failure), the worker's start-up
(a broker not up yet), the outbox relay, and the notification service (an
unreachable server, a failed send). Pure: no clock, no sleep; the caller waits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

_RNG = random.Random()


@dataclass(frozen=True)
class Backoff:
    """The ``attempt``-th retry (1, 2, …) waits up to ``base_s * 2**(attempt - 1)``,
    never more than ``max_s``.

    ``jitter`` is the part of that ceiling drawn at random, so that a burst of
    failures does not come back at once: 1.0 is "full jitter" (anywhere in
    ``[0, ceiling]``), 0.5 keeps at least half of it, 0 none.
    """

    base_s: float
    max_s: float
    jitter: float = 1.0

    def __post_init__(self) -> None:
        if self.base_s < 0 or self.max_s < 0 or not 0 <= self.jitter <= 1:
            raise ValueError(f"a backoff needs base and max >= 0 and jitter in [0, 1]: {self}")

    def ceiling(self, attempt: int) -> float:
        """The longest wait before retry number ``attempt``."""
        return min(self.max_s, self.base_s * 2.0 ** min(max(attempt - 1, 0), 64))

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """How long to wait before retry number ``attempt``, jitter drawn from ``rng``."""
        ceiling = self.ceiling(attempt)
        return (rng or _RNG).uniform(ceiling * (1 - self.jitter), ceiling)


class Retries:
    """The attempts of one thing that keeps failing: ``failed()`` counts one and says how
    long to wait; ``succeeded()`` starts over. For a loop that retries the same work
    (a relay, a connection, a sender) until it works."""

    def __init__(self, backoff: Backoff, rng: random.Random | None = None) -> None:
        self.backoff = backoff
        self.attempt = 0
        self._rng = rng

    def failed(self) -> float:
        self.attempt += 1
        return self.backoff.delay(self.attempt, self._rng)

    def succeeded(self) -> None:
        self.attempt = 0
