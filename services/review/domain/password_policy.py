"""The minimum a new password must meet: long enough, not a well-known one, not the email.

Pure rules: the caller turns the reasons into a 422 (or a form's messages).
"""

from __future__ import annotations

MIN_LENGTH = 12
# A small list of the passwords tried first by anyone guessing (breach lists' top entries
# of 12+ characters, and the programme's own words); compared case-insensitively.
COMMON = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "qwertyuiopas",
        "qwerty123456",
        "password1234",
        "password12345",
        "password123456",
        "passwordpassword",
        "iloveyou1234",
        "admin1234567",
        "administrator",
        "welcome12345",
        "letmein12345",
        "abcdefghijkl",
        "abc123456789",
        "aaaaaaaaaaaa",
        "111111111111",
        "000000000000",
        "qwertyqwerty",
        "1q2w3e4r5t6y",
        "inagara12345",
        "inagara123456",
        "inagarainagara",
        "sekretariat123",
        "sekretariat2026",
        "rahasia12345",
        "rahasia123456",
        "indonesia123",
        "indonesia1945",
        "merdeka17081945",
        "bismillah123",
        "reviewer1234",
        "changeme1234",
    }
)


def problems(password: str, email: str) -> list[str]:
    """What is wrong with ``password`` for the account ``email`` (empty: acceptable)."""
    found = []
    lowered = password.lower()
    if len(password) < MIN_LENGTH:
        found.append(f"Use at least {MIN_LENGTH} characters.")
    if lowered in COMMON or len(set(lowered)) <= 2:
        found.append("This password is too common; choose another.")
    address = email.strip().lower()
    local = address.split("@", 1)[0]
    if address and (address in lowered or (len(local) >= 4 and local in lowered)):
        found.append("The password must not contain the email address.")
    return found
