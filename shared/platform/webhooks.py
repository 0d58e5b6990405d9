"""Standard Webhooks (https://www.standardwebhooks.com): secrets and signatures.

A signature is ``v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">``
under the secret's bytes; the secret is shown as ``whsec_<base64>``. Several
signatures travel space-separated in ``webhook-signature`` (the old and the new
secret during a rotation's grace period).

An endpoint's secret is derived, never stored or sent on the event bus: HMAC-SHA256
of the endpoint id and the secret's generation under ``WEBHOOK_SECRET_KEY``. The
submission service shows it once (at registration and at each rotation); the
notification service derives it again to sign.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from typing import Protocol

from shared.platform.settings import SettingsError

PREFIX = "whsec_"
_PURPOSE = b"inagara-webhook-secret-v1:"


def endpoint_secret(key: str, endpoint_id: str, generation: int) -> str:
    raw = hmac.new(key.encode(), _PURPOSE + f"{endpoint_id}:{generation}".encode(), hashlib.sha256)
    return PREFIX + base64.b64encode(raw.digest()).decode("ascii")


def _secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secrets: Iterable[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header: one ``v1,`` signature per secret."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    return " ".join(
        "v1,"
        + base64.b64encode(hmac.new(_secret_bytes(s), signed, hashlib.sha256).digest()).decode()
        for s in secrets
    )


def headers(secrets: Iterable[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secrets, message_id, timestamp, body),
    }


class WebhookSettings(Protocol):
    production: bool
    admin_token: str
    webhook_secret_key: str


def secret_key(settings: WebhookSettings) -> str:
    """The key the endpoints' secrets derive from: ``WEBHOOK_SECRET_KEY``, else (not in
    production) one derived from the admin token so that a local stack works as is."""
    if settings.production and not settings.webhook_secret_key:
        raise SettingsError(
            "WEBHOOK_SECRET_KEY is required with INAGARA_ENVIRONMENT=production: every "
            "webhook endpoint's signing secret is derived from it"
        )
    if settings.production and settings.webhook_secret_key == settings.admin_token:
        raise SettingsError("WEBHOOK_SECRET_KEY must differ from INAGARA_ADMIN_TOKEN")
    return settings.webhook_secret_key or f"derived-webhook:{settings.admin_token}"
