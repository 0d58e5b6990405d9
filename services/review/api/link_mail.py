"""Mailing an invitation or reset link once its use case has committed (API and pages)."""

from __future__ import annotations

import logging

from flask import current_app, request

from services.review.adapters.mailer import Mail, Mailer, MailNotSent
from services.review.config import ReviewSettings
from services.review.domain.access_mail import compose
from services.review.usecases.access_links import IssuedLink
from shared.platform import formats
from shared.platform.privacy_notice import notice_url

log = logging.getLogger(__name__)


def link_url(base: str, secret: str) -> str:
    """Where the person sets a password: the review pages' ``/ui/access/<secret>``."""
    return f"{base.rstrip('/')}/ui/access/{secret}"


def mail_link(issued: IssuedLink) -> bool:
    """Email the link to its account; False (logged, never the link) when the send failed."""
    review: ReviewSettings = current_app.extensions["inagara_review"]
    mailer: Mailer = current_app.extensions["inagara_review_mailer"]
    base = review.ui_url or request.host_url
    expires = formats.format_datetime(issued.expires_at, "id", review.time_zone)
    message = compose(
        issued.purpose,
        issued.user["name"],
        issued.user["role"],
        link_url(base, issued.secret),
        expires,
        notice_url(review.notification_public_url),
    )
    try:
        mailer.send(Mail(issued.user["email"], message.subject, message.body))
    except MailNotSent as exc:
        log.warning(
            "access link mail not sent", extra={"user_id": issued.user["id"], "error": str(exc)}
        )
        return False
    return True
