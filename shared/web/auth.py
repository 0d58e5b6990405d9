"""Credentials: every one travels as ``Authorization: Bearer <secret>`` (DESIGN: HTTP)."""

from __future__ import annotations

import hmac

from flask import request

from shared.platform.settings import Settings


def bearer_token() -> str | None:
    """The secret in ``Authorization: Bearer <secret>``, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def is_admin(settings: Settings, token: str | None) -> bool:
    return bool(settings.admin_token and token) and hmac.compare_digest(
        settings.admin_token.encode(), (token or "").encode()
    )
