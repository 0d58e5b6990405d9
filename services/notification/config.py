"""The notification service's own settings, read once from the environment.

They live here rather than in ``shared.settings`` because only this service
reads them; ``docs/CONFIGURATION.md`` and ``docker-compose.yml`` list them
with the shared ones.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from typing import Any
from urllib.parse import urlsplit

from services.notification.domain.schedule import QuietHours, parse_clock_time
from shared.events.catalog import PROPOSALS, REVIEWS
from shared.settings import SettingsError

TWILIO, WEBHOOK = "twilio", "webhook"
TWILIO_PATH = "/2010-04-01/Accounts/"

VARIABLES = (
    "SMS_GATEWAY_KIND",
    "SMS_SENDER",
    "SMS_TIMEOUT_S",
    "NOTIFICATION_SECRET_KEY",
    "NOTIFICATION_PUBLIC_URL",
    "PORTAL_URL",
    "REVIEW_UI_URL",
    "EMAIL_RATE_PER_S",
    "SMS_RATE_PER_S",
    "EMAIL_SENDERS",
    "SMS_SENDERS",
    "NOTIFICATION_MAX_ATTEMPTS",
    "NOTIFICATION_DIGEST_AT",
    "NOTIFICATION_SEND_LEASE_S",
    "NOTIFICATION_RETRY_BASE_S",
    "NOTIFICATION_OUTAGE_BACKOFF_MAX_S",
    "NOTIFICATION_CONSUMER_GROUP",
    "NOTIFICATION_TOPICS",
)


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


def _count(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip() or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a whole number of 1 or more")
    return int(raw)


@dataclass(frozen=True)
class NotificationConfig:
    sms_gateway_kind: str = ""  # empty: twilio when the URL has the Twilio path, else webhook
    sms_sender: str = "INAGARA"
    sms_timeout_s: float = 10.0
    secret_key: str = field(default="", repr=False)
    public_url: str = "http://127.0.0.1:8003"
    portal_url: str = ""
    review_ui_url: str = ""
    email_rate_per_s: float = 50.0
    sms_rate_per_s: float = 10.0
    # Sending threads per channel in one worker, each with its own connection:
    # a send mostly waits on the server, so a few overlap well.
    email_senders: int = 4
    sms_senders: int = 1
    max_attempts: int = 8
    digest_at: time = time(7, 0)
    send_lease_s: float = 60.0
    retry_base_s: float = 2.0
    outage_backoff_max_s: float = 30.0
    consumer_group: str = "inagara.notification"
    topics: tuple[str, ...] = (PROPOSALS, REVIEWS)

    def with_(self, **changes: Any) -> NotificationConfig:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NotificationConfig:
        env = os.environ if environ is None else environ
        kind = env.get("SMS_GATEWAY_KIND", "").strip().lower()
        if kind not in {"", TWILIO, WEBHOOK}:
            raise SettingsError(f"SMS_GATEWAY_KIND must be twilio or webhook, got {kind!r}")
        try:
            digest_at = parse_clock_time(env.get("NOTIFICATION_DIGEST_AT", "") or "07:00")
        except ValueError as exc:
            raise SettingsError("NOTIFICATION_DIGEST_AT must look like 07:00") from exc
        try:
            QuietHours.parse(env.get("SMS_QUIET_HOURS", "21:00-07:00"))
        except ValueError as exc:
            raise SettingsError(f"SMS_QUIET_HOURS: {exc}") from exc
        max_attempts = _count(env, "NOTIFICATION_MAX_ATTEMPTS", 8)
        return cls(
            sms_gateway_kind=kind,
            sms_sender=env.get("SMS_SENDER", "") or "INAGARA",
            sms_timeout_s=_float(env, "SMS_TIMEOUT_S", 10.0),
            secret_key=env.get("NOTIFICATION_SECRET_KEY", ""),
            public_url=env.get("NOTIFICATION_PUBLIC_URL", "") or "http://127.0.0.1:8003",
            portal_url=env.get("PORTAL_URL", ""),
            review_ui_url=env.get("REVIEW_UI_URL", ""),
            email_rate_per_s=_float(env, "EMAIL_RATE_PER_S", 50.0),
            sms_rate_per_s=_float(env, "SMS_RATE_PER_S", 10.0),
            email_senders=_count(env, "EMAIL_SENDERS", 4),
            sms_senders=_count(env, "SMS_SENDERS", 1),
            max_attempts=max_attempts,
            digest_at=digest_at,
            send_lease_s=_float(env, "NOTIFICATION_SEND_LEASE_S", 60.0),
            retry_base_s=_float(env, "NOTIFICATION_RETRY_BASE_S", 2.0),
            outage_backoff_max_s=_float(env, "NOTIFICATION_OUTAGE_BACKOFF_MAX_S", 30.0),
            consumer_group=env.get("NOTIFICATION_CONSUMER_GROUP", "") or "inagara.notification",
            topics=tuple(
                t.strip()
                for t in (env.get("NOTIFICATION_TOPICS", "") or f"{PROPOSALS},{REVIEWS}").split(",")
                if t.strip()
            ),
        )


def gateway_kind(config: NotificationConfig, url: str) -> str:
    """The SMS adapter to use: as configured, else guessed from the URL's path."""
    if config.sms_gateway_kind:
        return config.sms_gateway_kind
    return TWILIO if TWILIO_PATH in urlsplit(url).path else WEBHOOK


def unsubscribe_secret(config: NotificationConfig, admin_token: str) -> str:
    """The HMAC key of unsubscribe links.

    Without NOTIFICATION_SECRET_KEY the links are signed with a key derived
    from the admin token, so that a local stack works out of the box; a
    deployment sets its own key (changing it invalidates the links sent).
    """
    return config.secret_key or f"derived:{admin_token}"
