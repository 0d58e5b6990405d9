"""The channel policy: on which kinds of channel each role hears about each event, which
instant channel a phone number gets, and the instant-message limits.

Two kinds of channel: ``email`` (the channel of record) and ``instant`` (WhatsApp
or SMS, one of the two per message: the recipient's preferred one). By default
reviewers get their assignments and deadline reminders on both, their receipts
by email only; innovators get every status change on both; agency contacts by
email only. ``ChannelPolicy.parse`` reads overrides such as
``reviewer:review.submitted=email+instant; agency:*=email+instant``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from services.notification.domain.messages import (
    AGENCY,
    EMAIL,
    INNOVATOR,
    INSTANT,
    REVIEWER,
    Person,
    Preference,
)

INSTANT_KIND = "instant"
KINDS = frozenset({EMAIL, INSTANT_KIND})
ANY_EVENT = "*"
ROLES = (INNOVATOR, AGENCY, REVIEWER)
BOTH = frozenset(KINDS)
EMAIL_ONLY = frozenset({EMAIL})

DEFAULT_RULES: Mapping[tuple[str, str], frozenset[str]] = {
    (REVIEWER, "review.assigned"): BOTH,
    (REVIEWER, "review.reminder_due"): BOTH,
    (REVIEWER, ANY_EVENT): EMAIL_ONLY,  # the receipt of a review, and anything new
    (INNOVATOR, ANY_EVENT): BOTH,
    (AGENCY, ANY_EVENT): EMAIL_ONLY,
}


@dataclass(frozen=True)
class ChannelPolicy:
    """Which kinds of channel (``email``, ``instant``) a role gets for an event."""

    rules: Mapping[tuple[str, str], frozenset[str]] = field(
        default_factory=lambda: dict(DEFAULT_RULES)
    )

    def kinds(self, role: str, event_type: str) -> frozenset[str]:
        for key in ((role, event_type), (role, ANY_EVENT)):
            if key in self.rules:
                return self.rules[key]
        return EMAIL_ONLY

    @classmethod
    def parse(cls, text: str) -> ChannelPolicy:
        """The default policy with ``role:event=kinds`` overrides separated by ``;`` or
        new lines; kinds are ``email``, ``instant``, both joined by ``+``, or ``none``;
        the event ``*`` stands for every event without a rule of its own.

        Raises ``ValueError`` for anything else.
        """
        rules = dict(DEFAULT_RULES)
        for entry in text.replace("\n", ";").split(";"):
            if not entry.strip():
                continue
            target, sep, wanted = entry.partition("=")
            role, colon, event = target.strip().partition(":")
            kinds = frozenset(k.strip() for k in wanted.split("+") if k.strip()) - {"none"}
            if not sep or not colon or role not in ROLES or not event.strip():
                raise ValueError(f"a channel rule looks like role:event=email+instant: {entry!r}")
            if not kinds <= KINDS:
                raise ValueError(f"channels are email, instant or none: {entry!r}")
            rules[(role, event.strip())] = kinds
        return cls(rules)


DEFAULT_POLICY = ChannelPolicy()


def instant_channel(
    person: Person, stored: Sequence[Preference | None], default: str, available: Sequence[str]
) -> str | None:
    """The instant channel for ``person``: the first stored preference that names one
    (their phone's, then their email's), else the event's, else ``default``; the other
    one when that one is not configured; None when neither is."""
    named = [p.instant for p in stored if p is not None and p.instant]
    for choice in (*named, person.instant, default):
        if choice in INSTANT:
            if choice in available:
                return choice
            break
    return next((c for c in INSTANT if c in available), None)


@dataclass(frozen=True)
class InstantLimits:
    """What keeps a phone from being flooded: the same text is not sent twice within
    ``dedupe_window``, and no more than ``daily_cap`` instant messages go out a (local)
    day; the rest wait for the next digest. A cap of 0 means no cap."""

    dedupe_window: timedelta = timedelta(hours=24)
    daily_cap: int = 5
