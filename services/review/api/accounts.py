"""Log in for a token; the secretariat manages accounts."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from services.review.api.idempotency import DOC, create_once
from services.review.api.principal import (
    attempt_login,
    caller,
    secretariat,
    too_many_failures,
    transaction,
)
from services.review.api.schemas import (
    MeSchema,
    TokenRequestSchema,
    TokenSchema,
    UserChangeSchema,
    UserListSchema,
    UserSchema,
)
from services.review.store import people
from services.review.usecases import accounts
from services.review.usecases.logins import TooManyFailures
from shared.web import PROBLEM_JSON, ProblemSchema

blp = Blueprint(
    "accounts", __name__, url_prefix="/v1", description="Log in; reviewer and secretariat accounts."
)
SECURED: list[dict[str, list[str]]] = [{"bearer": []}]


@blp.route("/auth/tokens", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(401, description="Wrong email or password, or an inactive account")
@blp.alt_response(
    429,
    schema=ProblemSchema,
    content_type=PROBLEM_JSON,
    description="Too many failed logins for the email or from the client address within the "
    "window (REVIEW_LOGIN_*); the password was not checked. Retry-After says when to try again.",
    headers={"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
)
def create_token(body: dict[str, Any]) -> Any:
    """Exchange an email and password for an API token."""
    outcome = attempt_login(body["email"], body["password"])
    if isinstance(outcome, TooManyFailures):
        return too_many_failures(outcome)
    if outcome is None:
        abort(401, message="Wrong email or password.")
    assert outcome is not None
    with transaction() as conn:
        token = accounts.issue_token(conn, outcome["id"])
    return {"token": token, "user": accounts.public(outcome)}


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
        secretariat()
        with transaction() as conn:
            return {"items": [accounts.public(u) for u in people.listing(conn)]}

    @blp.doc(security=SECURED)
    @blp.arguments(UserSchema)
    @blp.response(201, UserSchema)
    @blp.alt_response(401, description="No valid token")
    @blp.alt_response(403, description="Not the secretariat")
    @blp.alt_response(409, description="The email has an account")
    @blp.doc(**DOC)
    def post(self, body: dict[str, Any]) -> Any:
        """Create a reviewer or secretariat account (secretariat; the admin token bootstraps the first)."""
        who = secretariat()
        return create_once(who, UserSchema(), lambda conn: accounts.create_user(conn, body, who.id))


@blp.route("/users/<string:user_id>", methods=["PATCH"])
@blp.doc(security=SECURED)
@blp.arguments(UserChangeSchema)
@blp.response(200, UserSchema)
@blp.alt_response(401, description="No valid token")
@blp.alt_response(403, description="Not the secretariat")
@blp.alt_response(404, description="No such account")
def change_user(body: dict[str, Any], user_id: str) -> dict[str, Any]:
    """Change an account: activate, deactivate, load, expertise, password (secretariat)."""
    who = secretariat()
    with transaction() as conn:
        changed = accounts.change_user(conn, user_id, body, who.id)
    if changed is None:
        abort(404, message="No such account.")
    assert changed is not None
    return changed
