"""What every page shares: the blueprint, the session user, CSRF on every form, the
content security policy, and how a refusal reads on a page."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from services.review.api.principal import now, review_settings, work
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.domain.states import IllegalTransition
from services.review.usecases import accounts
from shared.platform.privacy_notice import notice_url

bp = Blueprint("pages", __name__, url_prefix="/ui", template_folder="../../templates")
F = TypeVar("F", bound=Callable[..., Any])
REFUSALS = (NotFound, Conflict, Invalid, IllegalTransition)
# The pages load nothing from elsewhere and run no script; forms post only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


@bp.app_context_processor
def _template_globals() -> dict[str, Any]:
    return {
        "csrf_token": csrf_token,
        "user": g.get("user"),
        "now": datetime.now(UTC),
        # Every page, the public ones first (login, invitation, reset), links the notice.
        "privacy_url": notice_url(review_settings().notification_public_url),
    }


@bp.after_request
def _content_security_policy(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@bp.app_template_filter("epoch_ms")
def _epoch_ms(milliseconds: int) -> datetime:
    """A Kafka record timestamp (ms since the epoch) as a moment, to format with ``when``."""
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


@bp.before_request
def _load_user_and_check_csrf() -> None:
    g.user = None
    if session.get("token"):
        # A live session row, not just a signed cookie: logout, a password change, a
        # deactivation or "sign out everywhere" end it at once, and it expires.
        g.user = accounts.by_token(session["token"], now(), work(), accounts.UI)
    if request.method == "POST":
        sent = request.form.get("csrf_token", "")
        if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
            abort(
                400,
                description="The form expired or did not come from this site; reload and try again.",
            )


def _observer_reads(role: str) -> bool:
    """An observer sees the secretariat's pages (GET) and submits none of their forms."""
    return role == "secretariat" and g.user["role"] == "observer" and request.method == "GET"


def login_required(role: str | None = None) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                return redirect(url_for("pages.login", next=request.path))
            if role and g.user["role"] != role and not _observer_reads(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def refusal_message(exc: Exception) -> str:
    """A refusal as the page shows it: "Not done:" in the page's language, then the rule's
    own words (the domain's messages are English, as in the API's problem details)."""
    if isinstance(exc, Invalid):
        said = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
    else:
        said = str(exc)
    return _("Not done: %(reason)s", reason=said)
