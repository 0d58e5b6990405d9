"""Log in and out of the pages (a session row behind the signed cookie)."""

from __future__ import annotations

from flask import (
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from services.review.api.pages import language
from services.review.api.pages.base import (
    bp,
    csrf_token,
    login_required,
)
from services.review.api.principal import attempt_login, now, review_settings, work
from services.review.usecases import accounts
from services.review.usecases.logins import TooManyFailures


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | BaseResponse:
    if request.method == "POST":
        user = attempt_login(request.form.get("email", ""), request.form.get("password", ""))
        if isinstance(user, TooManyFailures):
            minutes = -(-user.retry_after_s // 60)
            flash(
                _("Too many failed logins; try again in %(minutes)s minutes.", minutes=minutes),
                "error",
            )
            page = render_template("pages/login.html")
            return page, 429, {"Retry-After": str(user.retry_after_s)}  # type: ignore[return-value]
        if user is None:
            flash(_("Wrong email or password."), "error")
            return render_template("pages/login.html"), 401  # type: ignore[return-value]
        token, _expires = accounts.issue_token(
            user["id"], now(), review_settings().session_ttl, work(), accounts.UI
        )
        chosen = session.get(language.SESSION_KEY)
        session.clear()
        session["token"] = token
        if chosen:
            session[language.SESSION_KEY] = chosen  # the language chosen before logging in
        csrf_token()
        target = request.args.get("next", "")
        # Only paths of this site: never an open redirect.
        if not target.startswith("/ui/") or target.startswith("//"):
            target = url_for("pages.home")
        return redirect(target)
    return render_template("pages/login.html")


@bp.route("/logout", methods=["POST"])
def logout() -> BaseResponse:
    if session.get("token"):
        accounts.end_session(session["token"], work())
    chosen = session.get(language.SESSION_KEY)
    session.clear()
    if chosen:
        session[language.SESSION_KEY] = chosen  # the login page stays in the language chosen
    return redirect(url_for("pages.login"))


@bp.route("/")
@login_required()
def home() -> BaseResponse:
    if g.user["role"] in ("secretariat", "observer"):
        return redirect(url_for("pages.cycle_list"))
    return redirect(url_for("pages.my_assignments"))
