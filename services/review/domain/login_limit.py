"""How many failed logins an account may have from one client address, and a client
address for every account: the rule alone.

Counters are fixed windows that open at the first failure: ``max_failures`` failures
within ``window`` block further attempts until the window closes. An account is counted
per (account, address), never alone: whoever knows a reviewer's email can slow down
only their own guesses, not lock the reviewer out from everywhere else. The store keeps
the counters (shared by every web process); this module only judges them.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class LoginLimit:
    max_failures_per_account: int = 5  # from one client address
    # Higher: one office behind one NAT address shares it, typos and all.
    max_failures_per_client: int = 20
    window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class Counter:
    """Failures counted for one key since ``since`` (the window's first failure)."""

    key: str
    failures: int
    since: datetime


@dataclass(frozen=True)
class LoginKeys:
    account: str  # the email tried, from this client address
    client: str

    @property
    def both(self) -> tuple[str, str]:
        return (self.account, self.client)


def _key(kind: str, value: str) -> str:
    # Hashed: what someone typed as an email (sometimes a password) is never stored.
    return f"{kind}:{hashlib.sha256(value.encode('utf-8', 'replace')).hexdigest()}"


def keys_for(email: str, client: str) -> LoginKeys:
    account = f"{email.strip().lower()}\n{client}"
    return LoginKeys(_key("account", account), _key("client", client))


def reset_keys_for(email: str, client: str) -> LoginKeys:
    """The counters of password-reset requests (every request counts, not only failures):
    the same limit keeps the public reset form from mailing someone without end."""
    account = f"{email.strip().lower()}\n{client}"
    return LoginKeys(_key("reset-account", account), _key("reset-client", client))


def is_open(counter: Counter, now: datetime, limit: LoginLimit) -> bool:
    """Whether the counter's window still runs at ``now`` (else it counts from zero)."""
    return now < counter.since + limit.window


def retry_after_s(
    counters: Iterable[Counter], keys: LoginKeys, now: datetime, limit: LoginLimit
) -> int:
    """Seconds until a login may be tried again, or 0 when it may be tried now."""
    wait = 0.0
    for counter in counters:
        allowed = (
            limit.max_failures_per_account
            if counter.key == keys.account
            else limit.max_failures_per_client
        )
        if is_open(counter, now, limit) and counter.failures >= allowed:
            left = (counter.since + limit.window - now).total_seconds()
            wait = max(wait, left)
    return math.ceil(wait)
