"""Flask factory of the notification service."""

from __future__ import annotations

from flask import Flask

from services.notification.api import (
    blp,
    preferences_blp,
    previews_blp,
    privacy_blp,
    unsubscribe_blp,
    webhooks_blp,
)
from services.notification.config import (
    NotificationConfig,
    NotificationSettings,
    unsubscribe_secret,
)
from services.notification.migrations import SCHEMA
from services.notification.store.agency_keys import KEY_PREFIX as AGENCY_KEY_PREFIX
from services.notification.usecases.recording import configured_recorder
from shared.platform import webhooks
from shared.web import create_service_app, is_admin, require_credentials_first


def create_app(
    settings: NotificationSettings | None = None, config: NotificationConfig | None = None
) -> Flask:
    settings = settings or NotificationSettings.from_env("notification")
    app = create_service_app(
        settings,
        SCHEMA,
        [blp, preferences_blp, previews_blp, privacy_blp, unsubscribe_blp, webhooks_blp],
        title="Inagara notification API",
        description="Emails and SMS that tell innovators, agencies and reviewers about every step.",
    )
    app.extensions["notification"] = config = config or NotificationConfig.from_env()
    # At start, not at the first unsubscribe: production refuses a derived key.
    unsubscribe_secret(config, settings.admin_token, settings.production)
    # The message preview renders with what the worker records with.
    app.extensions["notification_recorder"] = configured_recorder(settings, config)
    # An agency's API key and an endpoint's signing secret are checked against the
    # endpoint by its views.
    require_credentials_first(
        app,
        lambda secret: (
            is_admin(settings, secret)
            or (secret or "").startswith((webhooks.PREFIX, f"{AGENCY_KEY_PREFIX}_"))
        ),
    )
    return app
