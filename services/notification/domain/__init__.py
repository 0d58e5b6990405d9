"""Pure rules of the notification service: who hears about what, in which
language and on which channel, and when a message may go out.

Imports only the standard library (STYLE 1). The rooms inside:

- ``messages``: the vocabulary (channels, statuses, ``Message``, ``Person``, ``Preference``)
- ``recipients``: which event reaches whom, with what template and context
- ``policy``: the channel policy (email / instant per role and event), the instant
  channel (WhatsApp or SMS) and the instant-message limits (dedupe window, daily cap)
- ``schedule``: retry backoff, instant-message quiet hours, the send rate limit, the digest hour
- ``gsm7``: SMS encoding and splitting into segments
- ``tokens``: signed unsubscribe tokens
"""

from services.notification.domain.messages import (
    DEFAULT_LANGUAGE,
    DEFAULT_TIME_ZONE,
    DIGESTED,
    EMAIL,
    FAILED,
    HELD,
    LANGUAGES,
    PENDING,
    SENDING,
    SENT,
    SMS,
    Message,
    Person,
    Preference,
    mask,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "DEFAULT_TIME_ZONE",
    "DIGESTED",
    "EMAIL",
    "FAILED",
    "HELD",
    "LANGUAGES",
    "PENDING",
    "SENDING",
    "SENT",
    "SMS",
    "Message",
    "Person",
    "Preference",
    "mask",
]
