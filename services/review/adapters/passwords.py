"""Password hashes: argon2id (argon2-cffi) for every new one; the werkzeug hashes
(scrypt, pbkdf2) that accounts created before still hold keep verifying, and are
replaced by an argon2 hash at the next successful login (``needs_rehash``)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

_ARGON2 = PasswordHasher()  # the library's current defaults (RFC 9106 low-memory profile)
# An account created by invitation has no password until its link is used: no hash matches.
NO_PASSWORD = "!"


def hash_password(password: str) -> str:
    return _ARGON2.hash(password)


def verify(stored: str, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (argon2 or an older werkzeug hash)."""
    if stored.startswith("$argon2"):
        try:
            return _ARGON2.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
    if stored == NO_PASSWORD or ":" not in stored:
        return False
    return check_password_hash(stored, password)


def needs_rehash(stored: str) -> bool:
    """True for an older werkzeug hash or argon2 parameters weaker than today's."""
    if not stored.startswith("$argon2"):
        return stored != NO_PASSWORD
    try:
        return _ARGON2.check_needs_rehash(stored)
    except InvalidHashError:
        return True
