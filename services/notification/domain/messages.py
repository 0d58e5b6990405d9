"""The vocabulary of notifications: channels, delivery states, people, preferences, messages."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

EMAIL, SMS, WHATSAPP, WEBHOOK = "email", "sms", "whatsapp", "webhook"
CHANNELS = (EMAIL, SMS, WHATSAPP, WEBHOOK)
# The instant channels: a phone number's, one of them per message (the preferred one).
INSTANT = (WHATSAPP, SMS)
# pending -> sending -> sent | failed (retries go back to pending).
# An agency contact on the daily digest, or an instant message over the day's cap:
# held -> digested -> sent | failed. An instant message whose text the recipient got
# within the dedupe window: skipped (never sent).
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
HELD, DIGESTED, SKIPPED = "held", "digested", "skipped"
STATUSES = (PENDING, SENDING, SENT, FAILED, HELD, DIGESTED, SKIPPED)
FINAL = (SENT, FAILED, SKIPPED)
DEFAULT_LANGUAGE = "id"
LANGUAGES = ("id", "en")
DEFAULT_TIME_ZONE = "Asia/Jakarta"

INNOVATOR, AGENCY, REVIEWER = "innovator", "agency", "reviewer"
# Someone who objected to a shortlisted innovation (the public objection window): email only.
OBJECTOR = "objector"


@dataclass(frozen=True)
class Person:
    """Someone a message can reach: an email, maybe a phone (E.164), maybe a language."""

    role: str
    name: str
    email: str | None
    phone: str | None = None
    language: str | None = None
    # The preferred instant channel (whatsapp or sms) when the event says it.
    instant: str | None = None
    # The data subject whose sealed fields named them (v2 events; docs/PRIVACY.md).
    subject: str | None = None
    # Their lawful basis for instant messages, when one is recorded: "consent" (given on
    # the agency's portal, carried in the submission). docs/PRIVACY.md: Consent.
    instant_basis: str | None = None


@dataclass(frozen=True)
class Preference:
    """What one recipient (an email address or a phone number) asked for.

    ``unsubscribed`` stops non-essential email only: confirmations and
    decisions still arrive. ``digest`` matters for agency contacts only.
    """

    address: str
    email: bool = True
    sms: bool = True
    language: str | None = None
    digest: bool = False
    time_zone: str = DEFAULT_TIME_ZONE
    unsubscribed: bool = False
    instant: str | None = None  # whatsapp or sms; None: the event's or the default


@dataclass(frozen=True)
class Message:
    """One message to one recipient on one channel, before rendering."""

    channel: str
    recipient: str
    recipient_name: str
    template: str
    language: str
    context: dict[str, Any]
    essential: bool = True
    # Held for the recipient's next digest (an agency contact who asked for one, or an
    # instant message over the day's cap).
    digest: bool = False
    time_zone: str = DEFAULT_TIME_ZONE
    role: str = INNOVATOR
    # Why this message must not be sent (recorded as skipped with the reason): an
    # instant message to someone with no lawful basis for it.
    withheld: str | None = None
    # The recipient's data subject id when the event named one (an innovator of a sealed
    # proposal, an objector): an erasure naming only the subject finds their deliveries.
    data_subject: str | None = None


def normalise_email(address: str) -> str:
    return address.strip().lower()


def suppression_key(address: str) -> str:
    """What an unsubscribed address is remembered by once its person is erased: a hash
    of the address (lower case), never the address. A hash of an email address can be
    matched by whoever guesses the address: it is pseudonymous, kept only to honour the
    unsubscribe (docs/PRIVACY.md: Consent)."""
    normalised = address.strip().lower()
    return hashlib.sha256(f"inagara:unsubscribed:{normalised}".encode()).hexdigest()


def mask(recipient: str) -> str:
    """Enough of an address to recognise it, not enough to harvest it.

    ``siti@dinkes.go.id`` -> ``s***@dinkes.go.id``; ``+6281234567890`` -> ``+62812****890``.
    """
    if "@" in recipient:
        local, _, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    if len(recipient) > 9:
        return f"{recipient[:6]}{'*' * (len(recipient) - 9)}{recipient[-3:]}"
    return "*" * len(recipient)
