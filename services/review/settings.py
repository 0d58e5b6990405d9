"""What only the review service reads from its environment, on top of ``shared.settings``.

Kept here rather than in the shared ``Settings`` because no other service uses
these; docs/CONFIGURATION.md and docker-compose.yml list them all the same.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from services.review.domain.login_limit import LoginLimit
from shared.settings import SettingsError


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a whole number of at least 1, got {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class ReviewSettings:
    reminder_before_hours: float = 48.0
    reminder_check_interval_s: float = 60.0
    disagreement_spread: float = 20.0
    # Signs the UI's session cookies. Empty: derived from the admin token when there
    # is one (so every web process of a deployment agrees), else random per process.
    secret_key: str = field(default="", repr=False)
    # Behind a TLS-terminating proxy: trust one hop of X-Forwarded-* (scheme, host).
    trust_proxy: bool = False
    # Where the pipeline status page reads the other services' /metrics (outbox backlog).
    submission_url: str = "http://127.0.0.1:8001"
    notification_url: str = "http://127.0.0.1:8003"
    # Login brute-force limit (UI and API): this many failures per (email, client address),
    # and per client address, within the window answer 429 until the window closes.
    login_max_failures: int = 5
    login_max_failures_per_client: int = 20
    login_window_s: float = 900.0
    # How long an API token and a UI session last from the login (logout, a password
    # change, a deactivation and "sign out everywhere" end them sooner).
    session_ttl_s: float = 43200.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ReviewSettings:
        env = os.environ if environ is None else environ
        proxy = env.get("REVIEW_TRUST_PROXY", "").strip().lower()
        if proxy not in {"", "0", "1", "true", "false", "yes", "no", "on", "off"}:
            raise SettingsError(f"REVIEW_TRUST_PROXY must be true or false, got {proxy!r}")
        return cls(
            reminder_before_hours=_float(env, "REVIEW_REMINDER_BEFORE_HOURS", 48.0),
            reminder_check_interval_s=_float(env, "REVIEW_REMINDER_CHECK_INTERVAL_S", 60.0),
            disagreement_spread=_float(env, "REVIEW_DISAGREEMENT_SPREAD", 20.0),
            secret_key=env.get("INAGARA_SECRET_KEY", ""),
            trust_proxy=proxy in {"1", "true", "yes", "on"},
            submission_url=env.get("SUBMISSION_URL", "").strip() or "http://127.0.0.1:8001",
            notification_url=env.get("NOTIFICATION_URL", "").strip() or "http://127.0.0.1:8003",
            login_max_failures=_count(env, "REVIEW_LOGIN_MAX_FAILURES", 5),
            login_max_failures_per_client=_count(env, "REVIEW_LOGIN_MAX_FAILURES_PER_CLIENT", 20),
            login_window_s=_float(env, "REVIEW_LOGIN_WINDOW_S", 900.0),
            session_ttl_s=_float(env, "REVIEW_SESSION_TTL_S", 43200.0),
        )

    @property
    def login_limit(self) -> LoginLimit:
        return LoginLimit(
            self.login_max_failures,
            self.login_max_failures_per_client,
            timedelta(seconds=self.login_window_s),
        )

    @property
    def session_ttl(self) -> timedelta:
        return timedelta(seconds=self.session_ttl_s)

    def session_key(self, admin_token: str = "") -> str:
        if self.secret_key:
            return self.secret_key
        if admin_token:
            # A one-way derivation: the cookie key never reveals the admin token.
            return hmac.new(
                admin_token.encode(), b"inagara review session", hashlib.sha256
            ).hexdigest()
        return secrets.token_urlsafe(32)
