"""Personal fields in events, sealed per data subject (crypto-shredding).

Each person (a *data subject*) has a random 256-bit key held only by the service
that owns their data (docs/PRIVACY.md). The fields that identify them travel in an
event as one AES-GCM ciphertext under that key; the subject's id (a random UUID,
not derived from the email) is the associated data, so a ciphertext cannot be moved
to another subject. Deleting the key makes every copy of the event (topics,
dead-letter topics, replays, backups of the broker) unreadable: nothing here needs
the log to be edited.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
KEY_BYTES = 32


class Shredded(Exception):
    """The subject's key is gone: the sealed fields can never be read again."""


class Unreadable(ValueError):
    """A sealed value that is not a ciphertext of this subject under this key."""


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def seal(key: bytes, subject: str, fields: Mapping[str, Any]) -> str:
    """``fields`` as JSON, encrypted for ``subject``: URL-safe base64 of nonce + ciphertext."""
    nonce = os.urandom(NONCE_BYTES)
    plain = json.dumps(dict(fields), separators=(",", ":"), sort_keys=True).encode()
    sealed = AESGCM(key).encrypt(nonce, plain, subject.encode())
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(key: bytes, subject: str, sealed: str) -> dict[str, Any]:
    """The fields ``seal`` encrypted; ``Unreadable`` for a wrong key, subject or text."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], subject.encode())
        opened: dict[str, Any] = json.loads(plain)
    except (InvalidTag, ValueError) as exc:
        raise Unreadable("not a sealed value of this subject") from exc
    return opened


def encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def decode_key(text: str) -> bytes:
    key = base64.urlsafe_b64decode(text.encode())
    if len(key) != KEY_BYTES:
        raise Unreadable("a subject key is 32 bytes")
    return key
