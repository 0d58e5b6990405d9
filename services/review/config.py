"""What only the review service reads from its environment (the base ``Settings`` aside).

Kept here rather than in the shared ``Settings`` because no other service uses
these; docs/CONFIGURATION.md and docker-compose.yml list them all the same.
Read with ``shared.platform.settings.read`` like every other setting.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from services.review.domain.login_limit import LoginLimit
from shared.platform.settings import SettingsError, count, env, flag, read, time_zone

# Who must have a second factor when it is required: the accounts that change everything.
SECOND_FACTOR_ROLES = ("secretariat",)


@dataclass(frozen=True)
class ReviewSettings:
    reminder_before_hours: float = env("REVIEW_REMINDER_BEFORE_HOURS", 48.0)
    reminder_check_interval_s: float = env("REVIEW_REMINDER_CHECK_INTERVAL_S", 60.0)
    disagreement_spread: float = env("REVIEW_DISAGREEMENT_SPREAD", 20.0)
    # Signs the UI's session cookies. Empty: derived from the admin token when there
    # is one (so every web process of a deployment agrees), else random per process.
    secret_key: str = env("INAGARA_SECRET_KEY", "", secret=True)
    # Behind a TLS-terminating proxy: trust one hop of X-Forwarded-* (scheme, host).
    trust_proxy: bool = env("REVIEW_TRUST_PROXY", False)
    # Where the pipeline status page reads the other services' /metrics (outbox backlog).
    submission_url: str = env("SUBMISSION_URL", "http://127.0.0.1:8001")
    notification_url: str = env("NOTIFICATION_URL", "http://127.0.0.1:8003")
    # Where people reach the notification service (the same variable it reads): every page
    # and every invitation or reset email links the privacy notice it serves (/privasi).
    notification_public_url: str = env("NOTIFICATION_PUBLIC_URL", "http://127.0.0.1:8003")
    # Login brute-force limit (UI and API): this many failures per (email, client address),
    # and per client address, within the window answer 429 until the window closes.
    login_max_failures: int = env("REVIEW_LOGIN_MAX_FAILURES", 5, count)
    login_max_failures_per_client: int = env("REVIEW_LOGIN_MAX_FAILURES_PER_CLIENT", 20, count)
    login_window_s: float = env("REVIEW_LOGIN_WINDOW_S", 900.0)
    # How long an API token and a UI session last from the login (logout, a password
    # change, a deactivation and "sign out everywhere" end them sooner).
    session_ttl_s: float = env("REVIEW_SESSION_TTL_S", 43200.0)
    # The secretariat's second factor (TOTP, with recovery codes) asked at every login.
    # Unset or empty: required with INAGARA_ENVIRONMENT=production, optional otherwise.
    require_second_factor: bool | None = env("REVIEW_REQUIRE_SECOND_FACTOR", None, flag)
    # The programme's time zone: every date and time on the pages shows in it (WIB by default).
    time_zone: str = env("INAGARA_TIME_ZONE", "Asia/Jakarta", time_zone)
    # The CSV exports asked for from the cycle page: how often the worker looks for one to
    # build, and how long one lasts (built or not) before the worker deletes it.
    export_check_interval_s: float = env("REVIEW_EXPORT_CHECK_INTERVAL_S", 2.0)
    export_ttl_hours: float = env("REVIEW_EXPORT_TTL_HOURS", 24.0)
    # Invitation and password-reset links: where people open them, and how long they last.
    # The same REVIEW_UI_URL the notification service links to; empty: the request's host.
    ui_url: str = env("REVIEW_UI_URL", "")
    invite_ttl_hours: float = env("REVIEW_INVITE_TTL_HOURS", 72.0)
    reset_ttl_minutes: float = env("REVIEW_RESET_TTL_MINUTES", 60.0)
    # The review service mails its own invitation and reset links (a link is a credential:
    # it does not travel on Kafka), through the same SMTP server as the notification service.
    smtp_host: str = env("SMTP_HOST", "127.0.0.1")
    smtp_port: int = env("SMTP_PORT", 1025)
    smtp_username: str = env("SMTP_USERNAME", "")
    smtp_password: str = env("SMTP_PASSWORD", "", secret=True)
    smtp_starttls: bool = env("SMTP_STARTTLS", False)
    mail_from: str = env("MAIL_FROM", "Inagara <noreply@inagara.local>")
    # The public objection window (uji publik): objections one client address may file per
    # hour, the largest file one may attach, and how long a person takes at least to fill
    # the public form (a faster one is a robot's).
    objections_per_hour: int = env("REVIEW_OBJECTIONS_PER_HOUR", 5, count)
    objection_max_file_bytes: int = env("REVIEW_OBJECTION_MAX_FILE_BYTES", 5_242_880, count)
    objection_min_fill_s: float = env("REVIEW_OBJECTION_MIN_FILL_S", 3.0)
    # What the notification service sends to read an objector's key (GET
    # /v1/subjects/<id>/key), the same token it sends the submission service. Empty: no
    # one reads objectors' keys, and objectors get no receipt or answer by email.
    subject_keys_token: str = env("SUBJECT_KEYS_TOKEN", "", secret=True)
    # The key of the hashes with which the submission service's person-wide export and
    # erasure find a person among the objectors (shared/events/matching.py); the same value
    # as the submission service's. Empty: those requests do not reach objectors.
    subject_match_key: str = env("SUBJECT_MATCH_KEY", "", secret=True)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ReviewSettings:
        return read(cls, environ)

    @property
    def login_limit(self) -> LoginLimit:
        return LoginLimit(
            self.login_max_failures,
            self.login_max_failures_per_client,
            timedelta(seconds=self.login_window_s),
        )

    @property
    def invite_ttl(self) -> timedelta:
        return timedelta(hours=self.invite_ttl_hours)

    @property
    def reset_ttl(self) -> timedelta:
        return timedelta(minutes=self.reset_ttl_minutes)

    @property
    def session_ttl(self) -> timedelta:
        return timedelta(seconds=self.session_ttl_s)

    def second_factor_roles(self, production: bool = False) -> tuple[str, ...]:
        """The roles that must pass a second factor at login (the others may enrol)."""
        required = production if self.require_second_factor is None else self.require_second_factor
        return SECOND_FACTOR_ROLES if required else ()

    def session_key(self, admin_token: str = "", production: bool = False) -> str:
        """The key of the UI's session cookies. In production it is its own secret:
        derived from the admin token, rotating that token would log everyone out."""
        if production and not self.secret_key:
            raise SettingsError(
                "INAGARA_SECRET_KEY is required with INAGARA_ENVIRONMENT=production: it signs "
                "the review UI's sessions and must not be derived from INAGARA_ADMIN_TOKEN"
            )
        if production and self.secret_key == admin_token:
            raise SettingsError("INAGARA_SECRET_KEY must differ from INAGARA_ADMIN_TOKEN")
        if self.secret_key:
            return self.secret_key
        if admin_token:
            # A one-way derivation: the cookie key never reveals the admin token.
            return hmac.new(
                admin_token.encode(), b"inagara review session", hashlib.sha256
            ).hexdigest()
        return secrets.token_urlsafe(32)
