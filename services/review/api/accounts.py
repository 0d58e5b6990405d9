"""Log in for a token; the secretariat manages accounts."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from services.review.api.principal import (
    attempt_login,
    caller,
    create_once,
    idempotent,
    now,
    problem_with,
    reader,
    refusals,
    review_settings,
    secretariat,
    too_many_failures,
    work,
)
from services.review.api.schemas import (
    MeSchema,
    TokenRequestSchema,
    TokenSchema,
    UserChangeSchema,
    UserListSchema,
    UserSchema,
)
from services.review.store import outbox
from services.review.usecases import accounts, queries, second_factor
from services.review.usecases.logins import SecondFactorNeeded, TooManyFailures
from services.review.usecases.work import ReviewWork
from shared.web import PROBLEM_JSON, ProblemSchema, bearer_token
from shared.web.idempotency import IdempotencyHeaderSchema

blp = Blueprint(
    "accounts", __name__, url_prefix="/v1", description="Log in; reviewer and secretariat accounts."
)
SECURED: list[dict[str, list[str]]] = [{"bearer": []}]


@blp.route("/auth/tokens", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(
    401,
    schema=ProblemSchema,
    content_type=PROBLEM_JSON,
    description="Wrong email or password, or an inactive account (auth.wrong_credentials); "
    "the account has a second factor and no `otp` was sent (auth.otp_required), or the "
    "`otp` did not pass (auth.wrong_otp, counted as a failed login)",
)
@blp.alt_response(
    403,
    schema=ProblemSchema,
    content_type=PROBLEM_JSON,
    description="The account's role must have a second factor "
    "(REVIEW_REQUIRE_SECOND_FACTOR) and it has none yet: enrol on the pages "
    "(/ui/second-factor) first (auth.second_factor_enrolment_required)",
)
@blp.alt_response(
    429,
    schema=ProblemSchema,
    content_type=PROBLEM_JSON,
    description="Too many failed logins for the email from this client address, or from "
    "the address, within the "
    "window (REVIEW_LOGIN_*); the password was not checked. Retry-After says when to try again.",
    headers={"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
)
def create_token(body: dict[str, Any]) -> Any:
    """Exchange an email and password (and the second factor's code, for an account that
    has one) for an API token (it lasts REVIEW_SESSION_TTL_S)."""
    outcome = attempt_login(body["email"], body["password"], body["otp"])
    if isinstance(outcome, TooManyFailures):
        return too_many_failures(outcome)
    if outcome is None:
        abort(401, message="Wrong email or password.", code="auth.wrong_credentials")
    if isinstance(outcome, SecondFactorNeeded):
        return second_factor_refusal(outcome)
    assert isinstance(outcome, dict)
    token, expires_at = accounts.issue_token(
        outcome["id"], now(), review_settings().session_ttl, work()
    )
    return {"token": token, "expires_at": expires_at, "user": accounts.public(outcome)}


def second_factor_refusal(needed: SecondFactorNeeded) -> Response:
    if needed.enrol:
        return problem_with(
            403,
            "Forbidden",
            "This account must have a second factor: log in on the pages once to enrol "
            "an authenticator app (/ui/second-factor).",
            code="auth.second_factor_enrolment_required",
        )
    if needed.wrong:
        return problem_with(401, "Unauthorized", second_factor.WRONG_CODE, code="auth.wrong_otp")
    return problem_with(
        401,
        "Unauthorized",
        "This account has a second factor: send the authenticator app's code (or a recovery "
        "code) as `otp`.",
        code="auth.otp_required",
    )


@blp.route("/auth/tokens/current", methods=["DELETE"])
@blp.doc(security=SECURED)
@blp.response(204)
@blp.alt_response(401, description="No valid token")
def log_out() -> Response:
    """Log out: the token sent ends now (the account's other tokens stay)."""
    caller()
    accounts.end_session(bearer_token() or "", work())
    return Response(status=204)


@blp.route("/me")
@blp.doc(security=SECURED)
@blp.response(200, MeSchema)
@blp.alt_response(401, description="No valid token")
def me() -> dict[str, Any]:
    """Who the token belongs to."""
    who = caller()
    return {"id": who.id, "role": who.role, "name": who.name}


@blp.route("/users")
class Users(MethodView):
    @blp.doc(security=SECURED)
    @blp.response(200, UserListSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Not the secretariat")
    def get(self) -> dict[str, Any]:
        """Every account (secretariat)."""
        reader()
        return {"items": queries.list_users(work())}

    @blp.doc(security=SECURED)
    @blp.arguments(IdempotencyHeaderSchema, location="headers", as_kwargs=True)
    @blp.arguments(UserSchema)
    @idempotent
    @blp.response(201, UserSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Not the secretariat")
    @blp.alt_response(
        409,
        description="The email has an account, or a request with this Idempotency-Key "
        "is still running",
    )
    @blp.alt_response(422, description="Invalid fields, or an agency code nobody registered")
    @refusals
    def post(self, body: dict[str, Any], **_: Any) -> Any:
        """Create a reviewer or secretariat account (secretariat; the admin token bootstraps the first)."""
        who = secretariat()
        return create_once(
            UserSchema(),
            lambda conn: accounts.create_user(body, who.id, ReviewWork.joining(conn, outbox)),
        )


@blp.route("/users/<string:user_id>", methods=["PATCH"])
@blp.doc(security=SECURED)
@blp.arguments(UserChangeSchema)
@blp.response(200, UserSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such account")
@blp.alt_response(
    422,
    description="Invalid fields, an agency code nobody registered, or a new password that "
    "does not meet the policy",
)
@refusals
def change_user(body: dict[str, Any], user_id: str) -> dict[str, Any]:
    """Change an account: activate, deactivate, role, load, expertise, password (secretariat).
    A new password or a deactivation ends every API token and UI session of the account;
    every change is in the access audit (GET /v1/access-audit)."""
    who = secretariat()
    changed = accounts.change_user(user_id, body, who.id, now(), work())
    if changed is None:
        abort(404, message="No such account.", code="account.not_found")
    assert changed is not None
    return changed


@blp.route("/users/<string:user_id>/sessions", methods=["DELETE"])
@blp.doc(security=SECURED)
@blp.response(204)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such account")
def sign_out_everywhere(user_id: str) -> Response:
    """Sign an account out everywhere: every API token and UI session of it ends now
    (secretariat). A password change and a deactivation do the same."""
    who = secretariat()
    found = accounts.sign_out_everywhere(user_id, who.id, now(), work())
    if not found:
        abort(404, message="No such account.", code="account.not_found")
    return Response(status=204)


@blp.route("/users/<string:user_id>/second-factor", methods=["DELETE"])
@blp.doc(security=SECURED)
@blp.response(204)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such account")
def remove_second_factor(user_id: str) -> Response:
    """Remove an account's second factor (a lost phone and lost recovery codes;
    secretariat): its recovery codes go too and every session of it ends; where the
    second factor is required it enrols again at its next login. In the access audit."""
    who = secretariat()
    if not second_factor.remove(user_id, who.id, now(), work()):
        abort(404, message="No such account.", code="account.not_found")
    return Response(status=204)
