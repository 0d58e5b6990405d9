"""The reviewer and secretariat web pages: server-rendered, session login, CSRF on every form.

Views translate a form into one use case and render the answer; refusals come
back as a message on the page. Output is escaped by Jinja2's autoescape. One
blueprint (``base.bp``); each module adds the pages of one area to it.
"""

from services.review.api.pages import (
    audit,
    cycles,
    language,
    objections,
    people,
    reviewer,
    second_factor,
    secretariat,
    session,
)
from services.review.api.pages.base import bp

__all__ = [
    "audit",
    "bp",
    "cycles",
    "language",
    "objections",
    "people",
    "reviewer",
    "second_factor",
    "secretariat",
    "session",
]
