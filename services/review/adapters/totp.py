"""TOTP (RFC 6238) through pyotp, and the enrolment QR code through segno (inline SVG).

Codes are six digits for 30-second steps; one step either side is accepted for a
clock that drifts or a code typed as it turned over. What a code matched is its time
step, so the caller can refuse a step already used.
"""

from __future__ import annotations

from datetime import datetime

import pyotp
import segno

ISSUER = "Inagara"
STEP_S = 30
DRIFT_STEPS = 1


def new_secret() -> str:
    """A new shared secret, base32 (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (from the QR code or typed)."""
    return pyotp.TOTP(secret, interval=STEP_S).provisioning_uri(name=account, issuer_name=ISSUER)


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code ``code`` is (within the drift allowed), or None."""
    totp = pyotp.TOTP(secret, interval=STEP_S)
    step = totp.timecode(now)
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(candidate), code):
            return candidate
    return None


def code_at(secret: str, now: datetime) -> str:
    """The code an authenticator app shows at ``now`` (tests, and nothing else, ask)."""
    return pyotp.TOTP(secret, interval=STEP_S).at(now)


def qr_svg(uri: str) -> str:
    """The URI as a QR code, an ``<svg>`` element to place in the page (no image request:
    the pages' content security policy allows images from this site only)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff"))
