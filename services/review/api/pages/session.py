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

from services.review.api.pages import language, second_factor
from services.review.api.pages.base import bp, login_required
from services.review.api.principal import attempt_login, work
from services.review.usecases import accounts
from services.review.usecases.logins import SecondFactorNeeded, TooManyFailures


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
        target = request.args.get("next", "")
        if isinstance(user, SecondFactorNeeded):
            return second_factor.hold(user, target)
        second_factor.start_session(user["id"])
        return redirect(second_factor.safe_target(target))
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
