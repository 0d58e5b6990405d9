"""Flask factory of the review service: the JSON API and the reviewer/secretariat pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from services.review.adapters.mailer import Mailer, SmtpMailer
from services.review.api import BLUEPRINTS, pages, public_pages
from services.review.api.objections import MULTIPART_OVERHEAD
from services.review.api.principal import authenticated
from services.review.config import ReviewSettings
from services.review.migrations import SCHEMA
from services.review.usecases.work import work_factory
from shared.platform.settings import Settings
from shared.web import create_service_app, require_credentials_first


class _SessionCookies(SecureCookieSessionInterface):
    """Marks the session cookie ``Secure`` whenever the request came over TLS
    (directly, or through a trusted proxy's ``X-Forwarded-Proto``)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def create_app(
    settings: Settings | None = None,
    review: ReviewSettings | None = None,
    clock: Callable[[], datetime] | None = None,
    mailer: Mailer | None = None,
) -> Flask:
    review = review or ReviewSettings.from_env()
    settings = settings or Settings.from_env("review")
    app = create_service_app(
        settings,
        SCHEMA,
        list(BLUEPRINTS),
        title="Inagara review API",
        description="The assessment team screens, assigns, scores, shortlists and awards proposals. "
        "Reviewers and the secretariat log in with POST /v1/auth/tokens; the web pages live under /ui/.",
        # The largest body a route takes: an objection's file with its multipart framing.
        largest_body_bytes=review.objection_max_file_bytes + MULTIPART_OVERHEAD,
    )
    app.extensions["inagara_review"] = review
    # Invitation and reset links only (adapters/mailer.py); tests pass a MemoryMailer.
    app.extensions["inagara_review_mailer"] = mailer or SmtpMailer(review)
    # The relay runs in the worker and polls: no wakeup to notify from here.
    app.extensions["inagara_review_work"] = work_factory(app.extensions["inagara"].engine)
    if clock is not None:
        app.extensions["inagara_review_clock"] = clock  # tests: the login window passing
    app.config.update(
        SECRET_KEY=review.session_key(settings.admin_token, settings.production),
        SESSION_COOKIE_NAME="inagara_review_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,  # decided per request by _SessionCookies
    )
    app.session_interface = _SessionCookies()
    pages.language.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(public_pages.bp)
    require_credentials_first(app, authenticated)
    if review.trust_proxy:
        # One hop only: the TLS-terminating proxy in front of gunicorn.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    return app
