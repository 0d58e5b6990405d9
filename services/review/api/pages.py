"""The reviewer and secretariat web pages: server-rendered, session login, CSRF on every form.

Views translate a form into one use case and render the answer; refusals come
back as a message on the page. Output is escaped by Jinja2's autoescape.

This module holds the frame every page shares (the blueprint, the session, CSRF,
log in and out); the pages themselves live by area: ``pages_reviewer``,
``pages_cycles``, ``pages_proposals``, ``pages_reports``, each adding its views to
``bp`` when imported (``app.py`` imports them all).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import Connection
from werkzeug.wrappers import Response as BaseResponse

from services.review.api.principal import attempt_login, context
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.domain.states import IllegalTransition
from services.review.store import people
from services.review.usecases.logins import TooManyFailures

bp = Blueprint("pages", __name__, url_prefix="/ui", template_folder="../templates")
F = TypeVar("F", bound=Callable[..., Any])
REFUSALS = (NotFound, Conflict, Invalid, IllegalTransition)


@contextmanager
def transaction() -> Iterator[Connection]:
    with context().engine.begin() as conn:
        yield conn


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


@bp.app_context_processor
def _template_globals() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "user": g.get("user"), "now": datetime.now(UTC)}


@bp.app_template_filter("utc_ms")
def _utc_ms(milliseconds: int) -> str:
    """A Kafka record timestamp (ms since the epoch) as UTC text."""
    return datetime.fromtimestamp(milliseconds / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")


@bp.before_request
def _load_user_and_check_csrf() -> None:
    g.user = None
    if session.get("user_id"):
        with context().engine.connect() as conn:
            user = people.get(conn, session["user_id"])
        g.user = user if user and user["active"] else None
    if request.method == "POST":
        sent = request.form.get("csrf_token", "")
        if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
            abort(
                400,
                description="The form expired or did not come from this site; reload and try again.",
            )


def login_required(role: str | None = None) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                return redirect(url_for("pages.login", next=request.path))
            if role and g.user["role"] != role:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def refusal_message(exc: Exception) -> str:
    if isinstance(exc, Invalid):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
    return str(exc)


# -- log in and out ------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | BaseResponse:
    if request.method == "POST":
        user = attempt_login(request.form.get("email", ""), request.form.get("password", ""))
        if isinstance(user, TooManyFailures):
            minutes = -(-user.retry_after_s // 60)
            flash(f"Too many failed logins; try again in {minutes} minutes.", "error")
            page = render_template("pages/login.html")
            return page, 429, {"Retry-After": str(user.retry_after_s)}  # type: ignore[return-value]
        if user is None:
            flash("Wrong email or password.", "error")
            return render_template("pages/login.html"), 401  # type: ignore[return-value]
        session.clear()
        session["user_id"] = user["id"]
        csrf_token()
        target = request.args.get("next", "")
        # Only paths of this site: never an open redirect.
        if not target.startswith("/ui/") or target.startswith("//"):
            target = url_for("pages.home")
        return redirect(target)
    return render_template("pages/login.html")


@bp.route("/logout", methods=["POST"])
def logout() -> BaseResponse:
    session.clear()
    return redirect(url_for("pages.login"))


@bp.route("/")
@login_required()
def home() -> BaseResponse:
    if g.user["role"] == "secretariat":
        return redirect(url_for("pages.cycle_list"))
    return redirect(url_for("pages.my_assignments"))
