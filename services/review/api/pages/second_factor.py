"""The second factor on the pages: the login's second step, enrolment (QR code, then the
recovery codes shown once), new recovery codes.

Between the password and the code the session holds only ``pending_login`` (the
account, whether it must enrol, until when): a signed cookie that grants nothing else,
for ``PENDING_S``. The UI session (``session["token"]``) starts after the second factor.
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from services.review.adapters import totp
from services.review.api.pages import language
from services.review.api.pages.base import bp, csrf_token
from services.review.api.principal import now, review_settings, work
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.usecases import accounts, logins, second_factor
from services.review.usecases.logins import SecondFactorNeeded, TooManyFailures

PENDING_KEY = "pending_login"
PENDING_S = 300


def safe_target(target: str) -> str:
    """Only paths of this site: never an open redirect."""
    if not target.startswith("/ui/") or target.startswith("//"):
        return str(url_for("pages.home"))
    return target


def start_session(user_id: str) -> None:
    """The UI session of the account, in a fresh cookie (the language chosen stays)."""
    token, _expires = accounts.issue_token(
        user_id, now(), review_settings().session_ttl, work(), accounts.UI
    )
    chosen = session.get(language.SESSION_KEY)
    session.clear()
    session["token"] = token
    if chosen:
        session[language.SESSION_KEY] = chosen
    csrf_token()


def hold(needed: SecondFactorNeeded, target: str) -> BaseResponse:
    """After the password: remember who passed it, and ask for the code (or enrolment)."""
    session.pop("token", None)
    session[PENDING_KEY] = {
        "user": needed.user_id,
        "enrol": needed.enrol,
        "until": now().timestamp() + PENDING_S,
        "next": safe_target(target),
    }
    return redirect(url_for("pages.second_factor_page" if needed.enrol else "pages.login_code"))


def _pending() -> dict[str, Any] | None:
    found = session.get(PENDING_KEY)
    if not isinstance(found, dict) or found.get("until", 0) < now().timestamp():
        session.pop(PENDING_KEY, None)
        return None
    return found


def _too_many(refused: TooManyFailures, template: str, **context: Any) -> Any:
    minutes = -(-refused.retry_after_s // 60)
    flash(_("Too many failed logins; try again in %(minutes)s minutes.", minutes=minutes), "error")
    page = render_template(template, **context)
    return page, 429, {"Retry-After": str(refused.retry_after_s)}


@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> Any:
    """The login's second step: the authenticator app's code, or a recovery code."""
    pending = _pending()
    if pending is None or pending["enrol"]:
        return redirect(url_for("pages.login"))
    if request.method == "POST":
        settings = review_settings()
        outcome = logins.log_in_with_code(
            pending["user"],
            request.form.get("otp", ""),
            request.remote_addr or "",
            now(),
            settings.login_limit,
            work(),
        )
        if isinstance(outcome, TooManyFailures):
            return _too_many(outcome, "pages/login_code.html")
        if outcome is None:
            session.pop(PENDING_KEY, None)
            return redirect(url_for("pages.login"))
        if isinstance(outcome, SecondFactorNeeded):
            flash(_("The code is wrong or was used already."), "error")
            return render_template("pages/login_code.html"), 401
        start_session(outcome["id"])
        return redirect(pending["next"])
    return render_template("pages/login_code.html")


@bp.route("/second-factor", methods=["GET", "POST"])
def second_factor_page() -> Any:
    """Enrol an authenticator app (logged in, or right after the password where the role
    must have one), or, enrolled, see how many recovery codes are left and renew them."""
    pending = _pending()
    if g.user is not None:
        user_id, target = g.user["id"], url_for("pages.home")
    elif pending is not None and pending["enrol"]:
        user_id, target = pending["user"], pending["next"]
    else:
        return redirect(url_for("pages.login", next=request.path))
    state = second_factor.status(user_id, work())
    if request.method == "POST":
        code = request.form.get("otp", "")
        try:
            if state["enrolled"]:
                codes = second_factor.renew_recovery_codes(user_id, code, now(), work())
            else:
                codes = second_factor.confirm_enrolment(user_id, code, now(), work())
        except Invalid:
            flash(_("The code is wrong or was used already."), "error")
        except (Conflict, NotFound):
            return redirect(url_for("pages.second_factor_page"))
        else:
            if g.user is None:
                start_session(user_id)  # the enrolment was the login's second step
            return render_template("pages/recovery_codes.html", codes=codes, target=target)
    if state["enrolled"]:
        return render_template("pages/second_factor.html", state=state, enrolment=None)
    try:
        enrolment = second_factor.start_enrolment(user_id, now(), work())
    except NotFound:  # deactivated since the password
        session.pop(PENDING_KEY, None)
        return redirect(url_for("pages.login"))
    except Conflict:  # enrolled meanwhile, in another tab
        return redirect(url_for("pages.second_factor_page"))
    qr = Markup(totp.qr_svg(enrolment["uri"]))  # segno's own markup: no user text in it
    return render_template("pages/second_factor.html", state=state, enrolment=enrolment, qr=qr)
