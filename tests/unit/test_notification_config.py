"""The notification service's own settings: read from a mapping, documented, in compose."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
import yaml

from services.notification.config import (
    VARIABLES,
    NotificationConfig,
    NotificationSettings,
    unsubscribe_secret,
)
from services.notification.usecases.recording import configured_recorder
from shared.platform.settings import SettingsError

ROOT = Path(__file__).resolve().parents[2]


def test_an_empty_environment_gives_the_defaults() -> None:
    assert NotificationConfig.from_env({}) == NotificationConfig()


def test_every_variable_is_read() -> None:
    config = NotificationConfig.from_env(
        {
            "SMS_GATEWAY_KIND": "Webhook",
            "SMS_SENDER": "PEMKOT",
            "SMS_TIMEOUT_S": "2.5",
            "NOTIFICATION_SECRET_KEY": "k",
            "NOTIFICATION_PUBLIC_URL": "https://notif.example.go.id",
            "PORTAL_URL": "https://portal.example.go.id",
            "REVIEW_UI_URL": "https://review.example.go.id",
            "EMAIL_RATE_PER_S": "5",
            "SMS_RATE_PER_S": "0",
            "NOTIFICATION_MAX_ATTEMPTS": "3",
            "NOTIFICATION_DIGEST_AT": "06:30",
            "NOTIFICATION_SEND_LEASE_S": "5",
            "NOTIFICATION_RETRY_BASE_S": "0.5",
            "NOTIFICATION_OUTAGE_BACKOFF_MAX_S": "1",
            "NOTIFICATION_CONSUMER_GROUP": "g",
            "NOTIFICATION_TOPICS": "a, b",
            "WHATSAPP_API_VERSION": "v23.0",
            "WHATSAPP_TIMEOUT_S": "4",
            "WHATSAPP_RATE_PER_S": "80",
            "WHATSAPP_SENDERS": "2",
            "INSTANT_DEFAULT_CHANNEL": "SMS",
            "NOTIFICATION_CHANNEL_POLICY": "agency:*=email+instant",
            "INSTANT_DEDUPE_HOURS": "12",
            "INSTANT_DAILY_CAP": "0",
            "INSTANT_REQUIRE_BASIS": "false",
            "PRIVACY_CONTACT": "privasi@example.go.id",
            "SUBJECT_KEYS_URL": "http://submission-web:8000",
            "SUBJECT_KEYS_TOKEN": "keys-token",
            "OBJECTOR_KEYS_URL": "http://review-web:8000",
            "WEBHOOK_RETRY_PERIOD_S": "600",
            "WEBHOOK_RETRY_CAP_S": "60",
            "WEBHOOK_TIMEOUT_S": "2",
            "WEBHOOK_SENDERS": "3",
        }
    )

    assert config == NotificationConfig(
        sms_gateway_kind="webhook",
        sms_sender="PEMKOT",
        sms_timeout_s=2.5,
        secret_key="k",
        public_url="https://notif.example.go.id",
        portal_url="https://portal.example.go.id",
        review_ui_url="https://review.example.go.id",
        email_rate_per_s=5,
        sms_rate_per_s=0,
        max_attempts=3,
        digest_at=time(6, 30),
        send_lease_s=5,
        retry_base_s=0.5,
        outage_backoff_max_s=1,
        consumer_group="g",
        topics=("a", "b"),
        whatsapp_api_version="v23.0",
        whatsapp_timeout_s=4,
        whatsapp_rate_per_s=80,
        whatsapp_senders=2,
        instant_default_channel="sms",
        channel_policy="agency:*=email+instant",
        instant_dedupe_hours=12,
        instant_daily_cap=0,
        instant_require_basis=False,
        privacy_contact="privasi@example.go.id",
        subject_keys_url="http://submission-web:8000",
        subject_keys_token="keys-token",
        objector_keys_url="http://review-web:8000",
        webhook_retry_period_s=600,
        webhook_retry_cap_s=60,
        webhook_timeout_s=2,
        webhook_senders=3,
    )


@pytest.mark.parametrize(
    "env",
    [
        {"SMS_GATEWAY_KIND": "carrier-pigeon"},
        {"NOTIFICATION_MAX_ATTEMPTS": "0"},
        {"EMAIL_RATE_PER_S": "fast"},
        {"NOTIFICATION_DIGEST_AT": "morning"},
        {"INSTANT_DEFAULT_CHANNEL": "pager"},
        {"NOTIFICATION_CHANNEL_POLICY": "mayor:*=email"},
        {"NOTIFICATION_CHANNEL_POLICY": "reviewer:*=fax"},
        {"INSTANT_DAILY_CAP": "-1"},
        {"WEBHOOK_SENDERS": "0"},
    ],
)
def test_unusable_values_stop_the_process_naming_the_variable(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match=next(iter(env))):
        NotificationConfig.from_env(env)


def test_the_unsubscribe_key_is_the_configured_one_or_derived_from_the_admin_token() -> None:
    assert unsubscribe_secret(NotificationConfig(secret_key="k"), "admin") == "k"
    assert unsubscribe_secret(NotificationConfig(), "a1") != unsubscribe_secret(
        NotificationConfig(), "a2"
    )


def test_every_variable_is_documented_and_reaches_every_compose_service() -> None:
    documented = (ROOT / "docs" / "CONFIGURATION.md").read_text()
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    shared_env = compose["x-service-env"]
    for name in VARIABLES:
        assert f"| `{name}` |" in documented, name
        assert name in shared_env, name


def test_instant_messages_to_innovators_need_a_lawful_basis_by_default() -> None:
    # UU 27/2022 (docs/PRIVACY.md, "Consent"): a consent or the person's own choice.
    assert NotificationConfig.from_env({}).instant_require_basis is True
    assert configured_recorder(NotificationSettings(), NotificationConfig()).require_basis
