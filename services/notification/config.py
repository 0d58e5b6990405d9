"""The notification service's own settings, read once from the environment.

They live here rather than in the shared ``Settings`` because only this service
reads them: ``NotificationSettings`` (the base ``Settings`` plus SMTP, the SMS
gateway and the WhatsApp API) and ``NotificationConfig`` (sending, links, retries,
the channel policy, the consumer), both
read with ``shared.platform.settings.read``. ``docs/CONFIGURATION.md`` and
``docker-compose.yml`` list them with the shared ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import time
from typing import Any
from urllib.parse import urlsplit

from services.notification.domain.messages import INSTANT, WHATSAPP
from services.notification.domain.policy import ChannelPolicy
from services.notification.domain.schedule import QuietHours
from shared.events.catalog import PROPOSALS, REVIEWS
from shared.platform.settings import (
    Settings,
    SettingsError,
    cidr_list,
    count,
    env,
    flag,
    read,
    variables,
    whole,
)

TWILIO, WEBHOOK = "twilio", "webhook"
TWILIO_PATH = "/2010-04-01/Accounts/"


def _gateway_kind(name: str, raw: str) -> str:
    kind = raw.lower()
    if kind not in {TWILIO, WEBHOOK}:
        raise SettingsError(f"{name} must be twilio or webhook, got {kind!r}")
    return kind


def _quiet_hours(name: str, raw: str) -> str:
    """``21:00-07:00`` (kept as text); empty turns quiet hours off."""
    try:
        QuietHours.parse(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}: {exc}") from exc
    return raw


def _instant_channel(name: str, raw: str) -> str:
    channel = raw.lower()
    if channel not in INSTANT:
        raise SettingsError(f"{name} must be whatsapp or sms, got {channel!r}")
    return channel


def _channel_policy(name: str, raw: str) -> str:
    """``role:event=email+instant; ...`` (kept as text); empty: the default policy."""
    try:
        ChannelPolicy.parse(raw)
    except ValueError as exc:
        raise SettingsError(f"{name}: {exc}") from exc
    return raw


def _at_least_zero(name: str, raw: str) -> int:
    value = whole(name, raw)
    if value < 0:
        raise SettingsError(f"{name} must be 0 or more, got {raw!r}")
    return value


@dataclass(frozen=True)
class NotificationSettings(Settings):
    service: str = "notification"
    smtp_host: str = env("SMTP_HOST", "127.0.0.1")
    smtp_port: int = env("SMTP_PORT", 1025)
    smtp_username: str = env("SMTP_USERNAME", "")
    smtp_password: str = env("SMTP_PASSWORD", "", secret=True)
    smtp_starttls: bool = env("SMTP_STARTTLS", False)
    smtp_timeout_s: float = 10.0
    mail_from: str = env("MAIL_FROM", "Inagara <noreply@inagara.local>")
    sms_gateway_url: str = env("SMS_GATEWAY_URL", "")
    sms_gateway_token: str = env("SMS_GATEWAY_TOKEN", "", secret=True)
    # Instant messages (SMS and WhatsApp) keep them. Set but empty turns quiet hours
    # off; unset means the default.
    sms_quiet_hours: str = env("SMS_QUIET_HOURS", "21:00-07:00", _quiet_hours, keep_empty=True)
    # Run without SMS on purpose (production refuses a missing gateway otherwise).
    sms_disabled: bool = env("SMS_DISABLED", False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.production and not self.sms_gateway_url and not self.sms_disabled:
            raise SettingsError(
                "SMS_GATEWAY_URL is required with INAGARA_ENVIRONMENT=production: set the SMS "
                "gateway, or SMS_DISABLED=true to run without SMS on purpose"
            )

    # The WhatsApp Business Cloud API (https://graph.facebook.com); empty: no WhatsApp.
    whatsapp_api_url: str = env("WHATSAPP_API_URL", "")
    whatsapp_phone_number_id: str = env("WHATSAPP_PHONE_NUMBER_ID", "")
    whatsapp_token: str = env("WHATSAPP_TOKEN", "", secret=True)
    # Webhooks (docs/PORTALS.md), read by the submission and notification services: the
    # networks a portal's endpoint may resolve into although they are internal
    # (comma-separated CIDR; the local stack allows loopback), and the key every
    # endpoint's signing secret is derived from.
    webhook_allowed_networks: str = env("WEBHOOK_ALLOWED_NETWORKS", "", cidr_list)
    webhook_secret_key: str = env("WEBHOOK_SECRET_KEY", "", secret=True)


@dataclass(frozen=True)
class NotificationConfig:
    # Empty: twilio when the URL has the Twilio path, else webhook.
    sms_gateway_kind: str = env("SMS_GATEWAY_KIND", "", _gateway_kind)
    sms_sender: str = env("SMS_SENDER", "INAGARA")
    sms_timeout_s: float = env("SMS_TIMEOUT_S", 10.0)
    whatsapp_api_version: str = env("WHATSAPP_API_VERSION", "v21.0")
    whatsapp_timeout_s: float = env("WHATSAPP_TIMEOUT_S", 10.0)
    whatsapp_rate_per_s: float = env("WHATSAPP_RATE_PER_S", 20.0)
    whatsapp_senders: int = env("WHATSAPP_SENDERS", 1, count)
    # The instant channel of whoever did not say which they prefer.
    instant_default_channel: str = env("INSTANT_DEFAULT_CHANNEL", WHATSAPP, _instant_channel)
    # Overrides of the default channel policy (see domain/policy.py), e.g.
    # "reviewer:review.submitted=email+instant; agency:*=email+instant".
    channel_policy: str = env("NOTIFICATION_CHANNEL_POLICY", "", _channel_policy)
    # The same instant-message text is not sent to a number twice within this many hours.
    instant_dedupe_hours: float = env("INSTANT_DEDUPE_HOURS", 24.0)
    # At most this many instant messages a number a day; the rest wait for the digest.
    # 0: no cap.
    instant_daily_cap: int = env("INSTANT_DAILY_CAP", 4, _at_least_zero)
    # SMS and WhatsApp to an innovator only with a recorded lawful basis: consent in the
    # submission (instant_consent_at) or an instant channel they chose themselves
    # (docs/PRIVACY.md: Consent). On by default (UU 27/2022); false only brings back the
    # old behaviour (everyone with a phone) for a portal that cannot send the consent yet.
    instant_require_basis: bool = env("INSTANT_REQUIRE_BASIS", True, flag)
    # Where people send access and erasure requests, shown on the privacy notice (/privasi).
    privacy_contact: str = env("PRIVACY_CONTACT", "")
    secret_key: str = env("NOTIFICATION_SECRET_KEY", "", secret=True)
    # The key before the last rotation: links signed with it still unsubscribe.
    previous_secret_key: str = env("NOTIFICATION_SECRET_KEY_PREVIOUS", "", secret=True)
    public_url: str = env("NOTIFICATION_PUBLIC_URL", "http://127.0.0.1:8003")
    portal_url: str = env("PORTAL_URL", "")
    review_ui_url: str = env("REVIEW_UI_URL", "")
    email_rate_per_s: float = env("EMAIL_RATE_PER_S", 50.0)
    sms_rate_per_s: float = env("SMS_RATE_PER_S", 10.0)
    # Sending threads per channel in one worker, each with its own connection:
    # a send mostly waits on the server, so a few overlap well.
    email_senders: int = env("EMAIL_SENDERS", 4, count)
    sms_senders: int = env("SMS_SENDERS", 1, count)
    max_attempts: int = env("NOTIFICATION_MAX_ATTEMPTS", 8, count)
    digest_at: time = env("NOTIFICATION_DIGEST_AT", time(7, 0))
    send_lease_s: float = env("NOTIFICATION_SEND_LEASE_S", 60.0)
    retry_base_s: float = env("NOTIFICATION_RETRY_BASE_S", 2.0)
    outage_backoff_max_s: float = env("NOTIFICATION_OUTAGE_BACKOFF_MAX_S", 30.0)
    # Webhooks: a delivery is retried (with backoff) for this long, then its endpoint is
    # disabled and the agency's contact emailed; each request waits this long at most.
    webhook_retry_period_s: float = env("WEBHOOK_RETRY_PERIOD_S", 259_200.0)
    webhook_retry_cap_s: float = env("WEBHOOK_RETRY_CAP_S", 3_600.0)
    webhook_timeout_s: float = env("WEBHOOK_TIMEOUT_S", 5.0)
    webhook_senders: int = env("WEBHOOK_SENDERS", 4, count)
    consumer_group: str = env("NOTIFICATION_CONSUMER_GROUP", "inagara.notification")
    topics: tuple[str, ...] = env("NOTIFICATION_TOPICS", (PROPOSALS, REVIEWS))
    # The submission service, which holds the data subjects' keys (docs/PRIVACY.md): the
    # innovators of a v2 proposal event are opened with them. Empty: v2 innovators get nothing.
    subject_keys_url: str = env("SUBJECT_KEYS_URL", "")
    subject_keys_token: str = env("SUBJECT_KEYS_TOKEN", "", secret=True)
    # The review service, which holds the objectors' keys (the public objection window):
    # the objector of objection.filed / objection.answered is opened with them, asked
    # with the same SUBJECT_KEYS_TOKEN. Empty: objectors get no receipt and no answer.
    objector_keys_url: str = env("OBJECTOR_KEYS_URL", "")

    def with_(self, **changes: Any) -> NotificationConfig:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> NotificationConfig:
        return read(cls, environ)


VARIABLES = variables(NotificationConfig)


def gateway_kind(config: NotificationConfig, url: str) -> str:
    """The SMS adapter to use: as configured, else guessed from the URL's path."""
    if config.sms_gateway_kind:
        return config.sms_gateway_kind
    return TWILIO if TWILIO_PATH in urlsplit(url).path else WEBHOOK


def unsubscribe_secret(
    config: NotificationConfig, admin_token: str, production: bool = False
) -> str:
    """The HMAC key of unsubscribe links.

    Without NOTIFICATION_SECRET_KEY the links are signed with a key derived
    from the admin token, so that a local stack works out of the box. In
    production the key is required and its own: rotating the admin token must
    not break every unsubscribe link already sent.
    """
    if production and not config.secret_key:
        raise SettingsError(
            "NOTIFICATION_SECRET_KEY is required with INAGARA_ENVIRONMENT=production: it signs "
            "unsubscribe links and must not be derived from INAGARA_ADMIN_TOKEN"
        )
    if production and config.secret_key == admin_token:
        raise SettingsError("NOTIFICATION_SECRET_KEY must differ from INAGARA_ADMIN_TOKEN")
    return config.secret_key or f"derived:{admin_token}"
