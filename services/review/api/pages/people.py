"""People and access: invitations, set-password links, resets, deactivation, the access log."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response as BaseResponse

from services.review.api.access import audit_csv
from services.review.api.link_mail import mail_link
from services.review.api.pages.base import bp, login_required, refusal_message
from services.review.api.principal import now, review_settings, work
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.usecases import access_links, accounts, queries, second_factor
from services.review.usecases.logins import TooManyFailures

ROLES = accounts.ROLES
# What each access change did, as the access log says it.
ACCESS_ACTIONS = {
    "account_created": _l("created the account with a password"),
    "invited": _l("invited the person"),
    "invited_again": _l("sent a new invitation link"),
    "invitation_accepted": _l("accepted the invitation and set a password"),
    "password_reset_requested": _l("asked for a password link"),
    "password_reset": _l("set a new password with a reset link"),
    "password_set_by_secretariat": _l("set the password"),
    "role_changed": _l("changed the role"),
    "deactivated": _l("deactivated the account (its sessions ended)"),
    "reactivated": _l("activated the account again"),
    "account_changed": _l("changed the account"),
    "signed_out_everywhere": _l("ended every session of the account"),
    "second_factor_enrolled": _l("turned on the second factor (authenticator app)"),
    "second_factor_removed": _l("removed the second factor (its sessions ended)"),
    "recovery_codes_renewed": _l("made new recovery codes"),
    "recovery_code_used": _l("logged in with a recovery code"),
    "bootstrap_secretariat": _l("created the first secretariat account (command line)"),
}


@bp.app_context_processor
def _access_labels() -> dict[str, Any]:
    def action(name: str) -> str:
        return str(ACCESS_ACTIONS.get(name, name))

    def actor(name: str) -> str:
        return (
            str(_l("the administrator"))
            if name == "admin"
            else (str(_l("the command line")) if name == "bootstrap" else name)
        )

    return {"access_action": action, "access_actor": actor}


def _names() -> dict[str, str]:
    return {u["id"]: u["name"] for u in queries.list_users(work())}


@bp.route("/people")
@login_required("secretariat")
def people() -> str:
    found = queries.list_users(work(), with_pending=True)
    return render_template("pages/people.html", people=found, roles=ROLES)


def _mailed(issued: access_links.IssuedLink) -> None:
    if mail_link(issued):
        flash(_("The link was emailed to %(email)s.", email=issued.user["email"]), "ok")
    else:
        flash(_("The email could not be sent; try again later."), "error")


@bp.route("/people/invite", methods=["POST"])
@login_required("secretariat")
def invite_person() -> BaseResponse:
    form = request.form
    role = form.get("role", "reviewer")
    values = {
        "name": form.get("name", "").strip(),
        "email": form.get("email", "").strip(),
        "role": role if role in ROLES else "reviewer",
        "agency_code": form.get("agency_code", "").strip(),
        "language": "en" if form.get("language") == "en" else "id",
        "phone": None,
        "expertise": [],
        "max_load": 10,
    }
    if not values["name"] or "@" not in values["email"]:
        flash(_("Give a name and an email address."), "error")
        return redirect(url_for("pages.people"))
    try:
        issued = access_links.invite_user(
            values, g.user["id"], now(), review_settings().invite_ttl, work()
        )
    except (Conflict, Invalid) as exc:
        flash(refusal_message(exc), "error")
        return redirect(url_for("pages.people"))
    _mailed(issued)
    return redirect(url_for("pages.people"))


@bp.route("/people/<user_id>/reset", methods=["POST"])
@login_required("secretariat")
def reset_person(user_id: str) -> BaseResponse:
    person = next((u for u in queries.list_users(work()) if u["id"] == user_id), None)
    issued = (
        access_links.request_reset(
            person["email"], g.user["id"], now(), review_settings().reset_ttl, work()
        )
        if person
        else None
    )
    if issued is None:
        flash(_("No such active account."), "error")
    else:
        _mailed(issued)
    return redirect(url_for("pages.people"))


@bp.route("/people/<user_id>/active", methods=["POST"])
@login_required("secretariat")
def set_active(user_id: str) -> BaseResponse:
    active = request.form.get("active") == "true"
    if not active and user_id == g.user["id"]:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("pages.people"))
    changed = accounts.change_user(user_id, {"active": active}, g.user["id"], now(), work())
    if changed is None:
        flash(_("No such active account."), "error")
    elif active:
        flash(_("%(name)s can log in again.", name=changed["name"]), "ok")
    else:
        flash(_("%(name)s is deactivated; their sessions ended.", name=changed["name"]), "ok")
    return redirect(url_for("pages.people"))


@bp.route("/people/<user_id>/role", methods=["POST"])
@login_required("secretariat")
def set_role(user_id: str) -> BaseResponse:
    role = request.form.get("role", "")
    if role not in ROLES:
        flash(_("Choose a role."), "error")
    elif user_id == g.user["id"] and role != "secretariat":
        flash(_("You cannot take the secretariat role from yourself."), "error")
    elif accounts.change_user(user_id, {"role": role}, g.user["id"], now(), work()) is None:
        flash(_("No such active account."), "error")
    return redirect(url_for("pages.people"))


@bp.route("/people/<user_id>/second-factor", methods=["POST"])
@login_required("secretariat")
def remove_second_factor(user_id: str) -> BaseResponse:
    if second_factor.remove(user_id, g.user["id"], now(), work()):
        flash(_("The second factor is removed; the person enrols again at the next login."), "ok")
    else:
        flash(_("No such active account."), "error")
    return redirect(url_for("pages.people"))


@bp.route("/access-log")
@login_required("secretariat")
def access_audit() -> str:
    entries = queries.access_audit(None, 500, work())
    return render_template("pages/access_log.html", entries=entries, names=_names())


@bp.route("/access-log.csv")
@login_required("secretariat")
def access_audit_export() -> Response:
    entries = queries.access_audit(None, 5000, work())
    return Response(
        audit_csv(entries),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="access-log.csv"'},
    )


@bp.route("/access/<secret>", methods=["GET", "POST"])
def set_password_page(secret: str) -> str | BaseResponse:
    """The page an invitation or reset link opens: choose a password (no login)."""
    held = access_links.link_holder(secret, now(), work())
    if held is None:
        page = render_template("pages/link_gone.html")
        return page, 404  # type: ignore[return-value]
    person, purpose = held
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            flash(_("The two passwords differ."), "error")
        else:
            try:
                access_links.set_password(secret, password, now(), work())
            except Invalid as exc:
                for problem in exc.errors.get("password", []):
                    flash(_("Password: %(problem)s", problem=problem), "error")
            except NotFound:
                return render_template("pages/link_gone.html"), 404  # type: ignore[return-value]
            else:
                flash(_("Your password is set. Log in with it."), "ok")
                return redirect(url_for("pages.login"))
    return render_template("pages/set_password.html", person=person, purpose=purpose)


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password() -> str | BaseResponse:
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        settings = review_settings()
        issued = (
            access_links.request_own_reset(
                email,
                request.remote_addr or "",
                now(),
                settings.reset_ttl,
                settings.login_limit,
                work(),
            )
            if "@" in email
            else None
        )
        if isinstance(issued, TooManyFailures):
            minutes = -(-issued.retry_after_s // 60)
            flash(
                _("Too many requests; try again in %(minutes)s minutes.", minutes=minutes), "error"
            )
            page = render_template("pages/forgot.html")
            return page, 429, {"Retry-After": str(issued.retry_after_s)}  # type: ignore[return-value]
        if issued is not None:
            mail_link(issued)
        # The same answer either way: the page does not tell who has an account.
        flash(_("If this email has an account, a link to set a new password is on its way."), "ok")
        return redirect(url_for("pages.login"))
    return render_template("pages/forgot.html")
