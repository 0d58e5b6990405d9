"""The public objection window (uji publik): pure rules, the standard library only.

The secretariat publishes a cycle's shortlist for a number of days; while the window is
open anyone may object to an innovation on the published shortlist. An objection is
``open`` until the secretariat answers it (``answered``) or resolves it (``resolved``);
awards for a category wait until no objection on one of its proposals is open.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

OPEN, ANSWERED, RESOLVED = "open", "answered", "resolved"
STATUSES = (OPEN, ANSWERED, RESOLVED)
# Where an answer may take an objection: answered, then resolved; or resolved at once.
MOVES = {OPEN: (ANSWERED, RESOLVED), ANSWERED: (RESOLVED,), RESOLVED: ()}
MIN_DAYS, MAX_DAYS = 1, 60
NAME_MAX, REASON_MIN, REASON_MAX, ANSWER_MAX = 200, 20, 5000, 5000
PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
FILE_TYPES = (PDF, PNG, JPEG)


class WindowClosed(Exception):
    """No published shortlist takes objections now (409)."""


class NotOnShortlist(Exception):
    """The proposal is not on the published shortlist (409)."""


class Spam(Exception):
    """The honeypot was filled or the form was sent faster than a person fills it."""


class WrongMove(Exception):
    """The objection cannot go from its status to the one asked (409)."""


@dataclass(frozen=True)
class Window:
    """A cycle's published shortlist: the proposals on it and when objections close."""

    proposal_ids: frozenset[str]
    closes_at: datetime | None

    def is_open(self, now: datetime) -> bool:
        return self.closes_at is not None and now < self.closes_at

    def takes(self, proposal_id: str, now: datetime) -> None:
        """Raises WindowClosed, NotOnShortlist."""
        if not self.is_open(now):
            raise WindowClosed("The public objection window of this cycle is not open.")
        if proposal_id not in self.proposal_ids:
            raise NotOnShortlist("This innovation is not on the published shortlist.")


def closes_at(now: datetime, days: int) -> datetime:
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise ValueError(f"between {MIN_DAYS} and {MAX_DAYS} days")
    return now + timedelta(days=days)


def check_not_spam(
    honeypot: str, started_at: datetime | None, now: datetime, min_fill_s: float
) -> None:
    """A person leaves the hidden field empty and takes a few seconds to fill the form
    (``started_at``: when the form was served, where a form was; the JSON API has none)."""
    if honeypot.strip():
        raise Spam("The hidden field was filled.")
    if started_at is not None and (now - started_at).total_seconds() < min_fill_s:
        raise Spam("The form was sent faster than a person fills it.")


def client_key(address: str) -> str:
    """What the rate limit counts by: a hash of the client's address, never the address."""
    return hashlib.sha256(f"inagara objection client {address}".encode()).hexdigest()


def next_status(current: str, wanted: str) -> str:
    """Raises WrongMove when ``wanted`` is not a move from ``current``."""
    if wanted not in MOVES.get(current, ()):
        raise WrongMove(f"An objection that is {current} cannot become {wanted}.")
    return wanted


def sniff(data: bytes) -> str | None:
    """The content type the bytes show (PDF, PNG, JPEG), or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def blocking(objections: Iterable[Mapping[str, Any]], in_scope: Iterable[str]) -> list[str]:
    """The open objections that hold back an award decision: those on a proposal the
    decision covers (a category's proposals; the whole cycle's without categories)."""
    covered = set(in_scope)
    return [o["id"] for o in objections if o["status"] == OPEN and o["proposal_id"] in covered]
