"""Where the privacy notice is (docs/PRIVACY.md, "Consent"): the notification service
serves it at ``/privasi``; every message and every public page links to it."""

from __future__ import annotations

NOTICE_PATH = "/privasi"


def notice_url(public_url: str) -> str:
    """The notice under the notification service's public URL (``NOTIFICATION_PUBLIC_URL``)."""
    return f"{public_url.rstrip('/')}{NOTICE_PATH}"


def short_link(url: str) -> str:
    """The link as an SMS shows it: without the scheme, which phones do not need to make
    ``host/path`` a link, and which would take 8 of an SMS part's 160 characters."""
    return url.removeprefix("https://").removeprefix("http://")
