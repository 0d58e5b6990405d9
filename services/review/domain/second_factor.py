"""The second factor's pure rules: what a typed code is, and recovery codes.

A code typed at login is either a TOTP code (six digits, from the authenticator app) or
a recovery code (16 letters and digits in four groups of four: 80 random bits, so a fast
hash stores it as safely as a token). People type codes with spaces, dashes and either
case; ``normal`` takes those away before anything compares or hashes.
"""

from __future__ import annotations

import secrets

TOTP_DIGITS = 6
RECOVERY_CODES = 10
# Crockford's base32 alphabet: no I, L, O or U to misread or mistype.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_GROUPS, _GROUP_LENGTH = 4, 4


def normal(typed: str) -> str:
    """The code without spaces or dashes, in capitals."""
    return "".join(typed.split()).replace("-", "").upper()


def is_totp(typed: str) -> bool:
    code = normal(typed)
    return len(code) == TOTP_DIGITS and code.isdigit()


def is_recovery(typed: str) -> bool:
    code = normal(typed)
    return len(code) == _GROUPS * _GROUP_LENGTH and all(c in _ALPHABET for c in code)


def new_recovery_code() -> str:
    """A recovery code as shown to its owner: ``ABCD-EFGH-JKMN-PQRS``."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP_LENGTH))
    return "-".join(raw[i : i + _GROUP_LENGTH] for i in range(0, len(raw), _GROUP_LENGTH))


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(new_recovery_code())
    return sorted(codes)
