"""How many failed logins an email address and a client address may have: the rule alone.

Counters are fixed windows that open at the first failure: ``max_failures`` failures
within ``window`` block further attempts until the window closes. The store keeps
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
    max_failures_per_email: int = 5
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
    email: str
    client: str

    @property
    def both(self) -> tuple[str, str]:
        return (self.email, self.client)


def _key(kind: str, value: str) -> str:
    # Hashed: what someone typed as an email (sometimes a password) is never stored.
    return f"{kind}:{hashlib.sha256(value.encode('utf-8', 'replace')).hexdigest()}"


def keys_for(email: str, client: str) -> LoginKeys:
    return LoginKeys(_key("email", email.strip().lower()), _key("client", client))


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
            limit.max_failures_per_email
            if counter.key == keys.email
            else limit.max_failures_per_client
        )
        if is_open(counter, now, limit) and counter.failures >= allowed:
            left = (counter.since + limit.window - now).total_seconds()
            wait = max(wait, left)
    return math.ceil(wait)
