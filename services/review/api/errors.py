"""The one error mapping of the review service's API: a use case's refusal becomes a
problem+json answer (404, 409 with the allowed moves, 422 with the fields), whichever
view it came from. The web pages catch the same refusals themselves and show them."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify

from services.review.domain.errors import Conflict, Invalid, NotFound
from services.review.domain.states import IllegalTransition
from shared.web import PROBLEM_JSON


def problem_with(status: int, title: str, detail: str, **extra: Any) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    return response


def _transition(exc: IllegalTransition) -> Response:
    return problem_with(409, "Conflict", str(exc), current=exc.current, allowed=list(exc.allowed))


def _invalid(exc: Invalid) -> Response:
    return problem_with(
        422,
        "Unprocessable Entity",
        "Some fields are missing or invalid; see errors.",
        errors=exc.errors,
    )


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(NotFound, lambda exc: problem_with(404, "Not Found", str(exc)))
    app.register_error_handler(IllegalTransition, _transition)
    app.register_error_handler(Conflict, lambda exc: problem_with(409, "Conflict", str(exc)))
    app.register_error_handler(Invalid, _invalid)
