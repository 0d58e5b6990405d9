"""Signed unsubscribe tokens: the link in an email proves which address asked.

A token is ``<address, base64url>.<HMAC-SHA256, base64url>``; it does not
expire, because an unsubscribe link in an old email must keep working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_PURPOSE = b"inagara-unsubscribe-v1:"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, address: str) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE + address.encode(), hashlib.sha256).digest()


def sign(secret: str, address: str) -> str:
    return f"{_b64(address.encode())}.{_b64(_mac(secret, address))}"


def verify(secret: str, token: str) -> str | None:
    """The address a genuine token names, or None for anything forged or garbled."""
    encoded, _, mac = token.partition(".")
    try:
        address = _unb64(encoded).decode("utf-8")
        given = _unb64(mac)
    except (ValueError, UnicodeDecodeError):
        return None
    if not address or not hmac.compare_digest(given, _mac(secret, address)):
        return None
    return address
