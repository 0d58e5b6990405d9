"""Who is calling the JSON API, what the use cases' refusals become in HTTP, and
``Idempotency-Key`` on the creating POSTs (``shared.web.idempotency``)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, request
from flask_smorest import abort
from marshmallow import Schema
from sqlalchemy import Connection

from services.review.config import ReviewSettings
from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.domain.states import IllegalTransition
from services.review.store.tables import idempotency_keys
from services.review.usecases import accounts, logins
from services.review.usecases.logins import TooManyFailures
from services.review.usecases.work import ReviewWork
from shared.web import ServiceContext, bearer_token, is_admin, problem
from shared.web.idempotency import Idempotency

ADMIN_ID = "admin"
SECRETARIAT = "secretariat"
REVIEWER = "reviewer"
OBSERVER = "observer"


@dataclass(frozen=True)
class Principal:
    id: str
    role: str
    name: str

    @property
    def is_secretariat(self) -> bool:
        return self.role == SECRETARIAT

    @property
    def reads_everything(self) -> bool:
        """The secretariat and observers read everything; reviewers only their own work."""
        return self.role in (SECRETARIAT, OBSERVER)


def context() -> ServiceContext:
    ctx: ServiceContext = current_app.extensions["inagara"]
    return ctx


def review_settings() -> ReviewSettings:
    found: ReviewSettings = current_app.extensions["inagara_review"]
    return found


def work() -> ReviewWork:
    """A fresh unit of work for one use case (the app's factory, ``create_app``)."""
    factory: Callable[[], ReviewWork] = current_app.extensions["inagara_review_work"]
    return factory()


def principal_for(token: str | None) -> Principal | None:
    """The admin token is the bootstrap secretariat; anything else must be a live account token."""
    if token is None:
        return None
    if is_admin(context().settings, token):
        return Principal(ADMIN_ID, SECRETARIAT, "Administrator")
    user = accounts.by_token(token, now(), work())
    return Principal(user["id"], user["role"], user["name"]) if user else None


def is_keys_reader(token: str | None) -> bool:
    """Whether ``token`` is SUBJECT_KEYS_TOKEN: the notification service reading an
    objector's key (and nothing else)."""
    expected = review_settings().subject_keys_token
    return bool(expected and token) and hmac.compare_digest(
        expected.encode(), (token or "").encode()
    )


def authenticated(token: str | None) -> bool:
    """Whether ``token`` is the admin token, a live account's token or the keys token
    (which ``caller()`` still refuses: it reads objectors' keys only)."""
    return principal_for(token) is not None or is_keys_reader(token)


def caller() -> Principal:
    """The authenticated caller, or a 401."""
    found = principal_for(bearer_token())
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


def reader() -> Principal:
    """The caller, who must read what the secretariat reads: the secretariat or an
    observer (403 for a reviewer or panelist). Observers never pass ``secretariat()``."""
    found = caller()
    if not found.reads_everything:
        abort(403, message="Only the secretariat and observers may read this.")
    return found


F = TypeVar("F", bound=Callable[..., Any])


def problem_with(status: int, title: str, detail: str, **extra: Any) -> Response:
    return problem(status, title, detail, **extra)


def refusals(view: F) -> F:
    """Turn the use cases' refusals into problem+json: 404, 409 (with the allowed moves), 422."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except NotFound as exc:
            return problem_with(404, "Not Found", str(exc), code=exc.code)
        except IllegalTransition as exc:
            return problem_with(
                409,
                "Conflict",
                str(exc),
                code="proposal.illegal_transition",
                current=exc.current,
                allowed=list(exc.allowed),
            )
        except Conflict as exc:
            return problem_with(409, "Conflict", str(exc), code=exc.code)
        except Invalid as exc:
            return problem_with(
                422,
                "Unprocessable Entity",
                "Some fields are missing or invalid; see errors.",
                errors=exc.errors,
            )

    return wrapped  # type: ignore[return-value]


@contextmanager
def transaction() -> Iterator[Connection]:
    """The Idempotency-Key module's transaction (``api.idempotency``): a unit of work's
    connection; the use case it runs joins it (``ReviewWork.joining``)."""
    with work() as uow:
        yield uow.conn


def _caller_id() -> str:
    return caller().id


# Keys are per caller. Listed just above ``@blp.response``: it sees (and keeps) the
# serialized answer, and the view's refusals come back to it as problem responses.
idempotent = Idempotency(idempotency_keys, principal=_caller_id)


def create_once(schema: Schema, create: Callable[[Connection], dict[str, Any]]) -> dict[str, Any]:
    """Run ``create`` in one transaction; under ``idempotent``, its answer commits with it."""
    store_answer = idempotent.answer_within(201, lambda _body: {})
    with transaction() as conn:
        created = create(conn)
        if store_answer is not None:
            store_answer(conn, json.loads(json.dumps(schema.dump(created), default=str)))
    return created


def now() -> datetime:
    """The app's clock (tests pass a fake one to ``create_app``)."""
    clock = current_app.extensions.get("inagara_review_clock")
    return clock() if clock else datetime.now(UTC)


def attempt_login(email: str, password: str, otp: str = "") -> logins.Outcome:
    """Log in from this request's client address (the proxy's X-Forwarded-For only with
    REVIEW_TRUST_PROXY); the failure counts are committed whatever the outcome. The
    second factor is required of the roles REVIEW_REQUIRE_SECOND_FACTOR says."""
    review = review_settings()
    roles = review.second_factor_roles(context().settings.production)
    client = request.remote_addr or ""
    return logins.log_in(email, password, client, now(), review.login_limit, work(), otp, roles)


def too_many_failures(refused: TooManyFailures) -> Response:
    response = problem_with(
        429,
        "Too Many Requests",
        "Too many failed logins for this account from this address, or from this address; "
        f"try again in {refused.retry_after_s} seconds.",
        code="auth.too_many_failures",
    )
    response.headers["Retry-After"] = str(refused.retry_after_s)
    return response
