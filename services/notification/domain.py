"""Pure rules of the notification service: who hears about what, and when to retry.

Imports only the standard library.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

EMAIL = "email"
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
DEFAULT_LANGUAGE = "id"


@dataclass(frozen=True)
class Message:
    """One message to one recipient on one channel, before rendering."""

    channel: str
    recipient: str
    recipient_name: str
    template: str
    language: str
    context: dict[str, Any]


def submission_confirmations(payload: dict[str, Any]) -> list[Message]:
    """Every innovator of a submitted proposal gets one confirmation email.

    Two innovators sharing an address get one email, not two.
    """
    profile = payload["profile"]
    context = {
        "proposal_id": payload["proposal_id"],
        "title": profile["title"],
        "agency_name": payload["agency"]["name"],
        "submitted_at": payload["submitted_at"],
    }
    messages: dict[str, Message] = {}
    for innovator in profile["innovators"]:
        address = innovator["email"].strip().lower()
        if address not in messages:
            messages[address] = Message(
                channel=EMAIL,
                recipient=address,
                recipient_name=innovator["name"],
                template="proposal_submitted",
                language=DEFAULT_LANGUAGE,
                context={**context, "name": innovator["name"]},
            )
    return list(messages.values())


def retry_delay(
    attempt: int, rng: random.Random, base_s: float = 2.0, cap_s: float = 600.0
) -> timedelta:
    """Exponential backoff with full jitter for the ``attempt``-th failed send."""
    return timedelta(seconds=rng.uniform(base_s / 2, min(cap_s, base_s * 2 ** max(attempt - 1, 0))))
