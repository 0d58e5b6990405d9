"""Who is calling the JSON API: the principal behind a bearer token, and the transaction a view runs in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Response, current_app, request
from flask_smorest import abort
from sqlalchemy import Connection

from services.review.api.errors import problem_with
from services.review.config import ReviewSettings
from services.review.usecases import accounts, logins
from services.review.usecases.logins import TooManyFailures
from shared.web import ServiceContext, bearer_token, is_admin

ADMIN_ID = "admin"
SECRETARIAT = "secretariat"
REVIEWER = "reviewer"


@dataclass(frozen=True)
class Principal:
    id: str
    role: str
    name: str

    @property
    def is_secretariat(self) -> bool:
        return self.role == SECRETARIAT


def context() -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["inagara"]
    return ctx


def review_settings() -> ReviewSettings:
    found: ReviewSettings = current_app.extensions["inagara_review"]
    return found


def principal_for(conn: Connection, token: str | None) -> Principal | None:
    """The admin token is the bootstrap secretariat; anything else must be a live account token."""
    if token is None:
        return None
    if is_admin(context().settings, token):
        return Principal(ADMIN_ID, SECRETARIAT, "Administrator")
    user = accounts.by_token(conn, token)
    return Principal(user["id"], user["role"], user["name"]) if user else None


def caller() -> Principal:
    """The authenticated caller, or a 401."""
    with context().engine.connect() as conn:
        found = principal_for(conn, bearer_token())
    if found is None:
        abort(
            401, message="Send a token as `Authorization: Bearer <token>` (POST /v1/auth/tokens)."
        )
    assert found is not None
    return found


def secretariat() -> Principal:
    """The caller, who must be of the secretariat (403 for a reviewer)."""
    found = caller()
    if not found.is_secretariat:
        abort(403, message="Only the secretariat may do this.")
    return found


F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def transaction() -> Iterator[Connection]:
    with context().engine.begin() as conn:
        yield conn


def now() -> datetime:
    """The app's clock (tests pass a fake one to ``create_app``)."""
    clock = current_app.extensions.get("inagara_review_clock")
    return clock() if clock else datetime.now(UTC)


def attempt_login(email: str, password: str) -> dict[str, Any] | TooManyFailures | None:
    """Log in from this request's client address (the proxy's X-Forwarded-For only with
    REVIEW_TRUST_PROXY); the failure counts are committed whatever the outcome."""
    limit = review_settings().login_limit
    with transaction() as conn:
        return logins.log_in(conn, email, password, request.remote_addr or "", now(), limit)


def too_many_failures(refused: TooManyFailures) -> Response:
    response = problem_with(
        429,
        "Too Many Requests",
        "Too many failed logins for this account or from this address; "
        f"try again in {refused.retry_after_s} seconds.",
    )
    response.headers["Retry-After"] = str(refused.retry_after_s)
    return response
