"""The login brute-force rule alone: fixed windows per email and per client address."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.review.config import ReviewSettings
from services.review.domain.login_limit import (
    Counter,
    LoginLimit,
    is_open,
    keys_for,
    retry_after_s,
)
from shared.platform.settings import SettingsError

LIMIT = LoginLimit(max_failures_per_account=5, max_failures_per_client=20)
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
KEYS = keys_for("Reviewer@Example.go.id ", "10.0.0.7")


def test_the_email_is_compared_in_lower_case_and_never_kept_as_typed() -> None:
    assert keys_for("reviewer@example.go.id", "10.0.0.7") == KEYS
    assert "reviewer" not in KEYS.account and "10.0.0.7" not in KEYS.client
    assert KEYS.account != keys_for("other@example.go.id", "10.0.0.7").account
    assert KEYS.account.startswith("account:") and KEYS.client.startswith("client:")


def test_an_account_is_counted_per_client_address() -> None:
    """Failures from one address never count against the same account elsewhere."""
    elsewhere = keys_for("reviewer@example.go.id", "10.0.0.8")
    assert elsewhere.account != KEYS.account
    assert retry_after_s([Counter(KEYS.account, 5, T0)], elsewhere, T0, LIMIT) == 0


def test_fewer_failures_than_the_limit_let_the_next_attempt_through() -> None:
    counters = [Counter(KEYS.account, 4, T0), Counter(KEYS.client, 19, T0)]
    assert retry_after_s(counters, KEYS, T0 + timedelta(minutes=1), LIMIT) == 0
    assert retry_after_s([], KEYS, T0, LIMIT) == 0


def test_the_fifth_failure_for_an_email_blocks_until_the_window_closes() -> None:
    counters = [Counter(KEYS.account, 5, T0)]
    assert retry_after_s(counters, KEYS, T0 + timedelta(minutes=1), LIMIT) == 14 * 60
    assert retry_after_s(counters, KEYS, T0 + timedelta(minutes=14, seconds=59.2), LIMIT) == 1
    assert retry_after_s(counters, KEYS, T0 + timedelta(minutes=15), LIMIT) == 0


def test_a_client_address_has_its_own_higher_limit() -> None:
    assert retry_after_s([Counter(KEYS.client, 5, T0)], KEYS, T0, LIMIT) == 0
    assert retry_after_s([Counter(KEYS.client, 20, T0)], KEYS, T0, LIMIT) == 15 * 60


def test_the_longer_wait_of_the_two_counters_wins() -> None:
    counters = [Counter(KEYS.account, 5, T0), Counter(KEYS.client, 20, T0 + timedelta(minutes=5))]
    assert retry_after_s(counters, KEYS, T0 + timedelta(minutes=10), LIMIT) == 10 * 60


def test_a_window_is_open_until_its_length_has_passed() -> None:
    counter = Counter(KEYS.account, 1, T0)
    assert is_open(counter, T0 + timedelta(minutes=14, seconds=59), LIMIT)
    assert not is_open(counter, T0 + timedelta(minutes=15), LIMIT)


def test_the_limits_come_from_the_environment() -> None:
    settings = ReviewSettings.from_env(
        {
            "REVIEW_LOGIN_MAX_FAILURES": "3",
            "REVIEW_LOGIN_MAX_FAILURES_PER_CLIENT": "50",
            "REVIEW_LOGIN_WINDOW_S": "60",
        }
    )
    assert settings.login_limit == LoginLimit(3, 50, timedelta(seconds=60))
    assert ReviewSettings.from_env({}).login_limit == LoginLimit(5, 20, timedelta(minutes=15))


def test_a_limit_below_one_is_refused() -> None:
    for raw in ("0", "-1", "five"):
        try:
            ReviewSettings.from_env({"REVIEW_LOGIN_MAX_FAILURES": raw})
        except SettingsError as exc:
            assert "REVIEW_LOGIN_MAX_FAILURES" in str(exc)
        else:
            raise AssertionError(f"{raw!r} was accepted")
