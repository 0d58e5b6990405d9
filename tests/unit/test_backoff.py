"""The one backoff rule: exponential, capped, with jitter."""

from __future__ import annotations

import random

import pytest

from shared.platform.backoff import Backoff, Retries


def test_the_ceiling_doubles_from_the_base_up_to_the_cap() -> None:
    backoff = Backoff(base_s=0.1, max_s=1.0)

    assert [backoff.ceiling(n) for n in range(1, 7)] == pytest.approx(
        [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    )
    assert backoff.ceiling(10_000) == 1.0  # no overflow for a long outage


def test_full_jitter_draws_anywhere_below_the_ceiling() -> None:
    backoff = Backoff(base_s=1.0, max_s=8.0)
    rng = random.Random(7)

    delays = [backoff.delay(4, rng) for _ in range(500)]

    assert all(0 <= d <= 8.0 for d in delays)
    assert min(delays) < 1.0 and max(delays) > 7.0


def test_half_jitter_keeps_at_least_half_the_ceiling() -> None:
    backoff = Backoff(base_s=2.0, max_s=600.0, jitter=0.5)
    rng = random.Random(3)

    delays = [backoff.delay(3, rng) for _ in range(500)]

    assert all(4.0 <= d <= 8.0 for d in delays)


def test_no_jitter_is_the_ceiling_itself() -> None:
    assert Backoff(base_s=0.2, max_s=5.0, jitter=0).delay(3) == pytest.approx(0.8)


@pytest.mark.parametrize(
    "bad", [{"base_s": -1, "max_s": 1}, {"base_s": 1, "max_s": 1, "jitter": 2}]
)
def test_a_backoff_that_makes_no_sense_is_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        Backoff(**bad)


def test_retries_grow_while_failing_and_start_over_after_a_success() -> None:
    retries = Retries(Backoff(base_s=0.5, max_s=4.0, jitter=0))

    assert [retries.failed() for _ in range(5)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    retries.succeeded()
    assert retries.failed() == 0.5
