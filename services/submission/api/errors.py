"""Domain refusals as problem+json answers (DESIGN: Bad input)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response
from flask_smorest import Blueprint
from marshmallow import fields

from services.submission.adapters.blobs import BlobMissing, BlobUnavailable
from services.submission.domain import IllegalTransition, NotPermitted
from services.submission.domain.evidence import EvidenceTooLarge, UnsupportedEvidence
from services.submission.domain.window import (
    AgencyLimitReached,
    CycleNeeded,
    OutsideWindow,
    UnknownAwardCategory,
    UnknownCycle,
)
from services.submission.usecases.addenda import AddendaClosed, AddendumNotFound
from services.submission.usecases.evidence import EvidenceNotFound
from services.submission.usecases.proposals import (
    BadCursor,
    ConcurrentChange,
    ProposalNotFound,
)
from shared.web import PROBLEM_JSON, ProblemSchema, problem

F = TypeVar("F", bound=Callable[..., Any])


class TransitionProblemSchema(ProblemSchema):
    """A 409: the action is not possible in the proposal's status."""

    current_status = fields.String(metadata={"description": "The proposal's status now"})
    allowed_actions = fields.List(
        fields.String(),
        metadata={
            "description": "What is possible instead: edit, submit, withdraw, change_evidence"
        },
    )


def _transition(exc: IllegalTransition) -> Response:
    return problem(
        409,
        "Conflict",
        str(exc),
        code="proposal.illegal_transition",
        current_status=exc.status,
        allowed_actions=list(exc.allowed),
    )


def _storage_down(exc: BlobUnavailable) -> Response:
    response = problem(
        503,
        "Service Unavailable",
        "Evidence storage does not answer; retry later.",
        code="evidence.unavailable",
    )
    response.headers["Retry-After"] = "5"
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(IllegalTransition, _transition)
    app.register_error_handler(NotPermitted, lambda exc: problem(403, "Forbidden", str(exc)))
    app.register_error_handler(
        OutsideWindow,
        lambda exc: problem(409, "Conflict", str(exc), code="submission.window_closed"),
    )
    app.register_error_handler(
        ConcurrentChange,
        lambda exc: problem(
            409,
            "Conflict",
            "The proposal changed meanwhile; read it again and retry.",
            code="proposal.changed",
        ),
    )
    for field_error in (UnknownCycle, CycleNeeded):
        app.register_error_handler(
            field_error,
            lambda exc: problem(
                422,
                "Unprocessable Entity",
                "Some fields are missing or invalid; see errors.",
                {"cycle_id": [str(exc)]},
            ),
        )
    app.register_error_handler(
        UnknownAwardCategory,
        lambda exc: problem(
            422,
            "Unprocessable Entity",
            "Some fields are missing or invalid; see errors.",
            {"award_category": [str(exc)]},
        ),
    )
    app.register_error_handler(
        BadCursor,
        lambda exc: problem(
            422,
            "Unprocessable Entity",
            "Some fields are missing or invalid; see errors.",
            {"cursor": [str(exc)]},
        ),
    )
    app.register_error_handler(
        UnsupportedEvidence, lambda exc: problem(415, "Unsupported Media Type", str(exc))
    )
    app.register_error_handler(
        EvidenceTooLarge, lambda exc: problem(413, "Request Entity Too Large", str(exc))
    )
    app.register_error_handler(
        ProposalNotFound,
        lambda exc: problem(
            404, "Not Found", "No proposal with this id for your agency.", code="proposal.not_found"
        ),
    )
    app.register_error_handler(
        EvidenceNotFound,
        lambda exc: problem(
            404,
            "Not Found",
            "No evidence file with this id on this proposal.",
            code="evidence.not_found",
        ),
    )
    app.register_error_handler(
        AgencyLimitReached,
        lambda exc: problem(409, "Conflict", str(exc), code="submission.agency_limit_reached"),
    )
    app.register_error_handler(
        AddendaClosed,
        lambda exc: problem(409, "Conflict", str(exc), code="addendum.closed"),
    )
    app.register_error_handler(
        AddendumNotFound,
        lambda exc: problem(
            404,
            "Not Found",
            "No addendum with this id on this proposal.",
            code="addendum.not_found",
        ),
    )
    app.register_error_handler(BlobUnavailable, _storage_down)
    app.register_error_handler(
        BlobMissing,
        lambda exc: problem(
            503,
            "Service Unavailable",
            "The file's bytes are not available from storage now.",
            code="evidence.unavailable",
        ),
    )


def problems(blp: Blueprint, responses: dict[int, str]) -> Callable[[F], F]:
    """Document each refusal of a view with its problem+json body."""

    def decorate(view: F) -> F:
        for code, description in sorted(responses.items(), reverse=True):
            view = blp.alt_response(
                code,
                schema=TransitionProblemSchema if code == 409 else ProblemSchema,
                content_type=PROBLEM_JSON,
                description=description,
            )(view)
        return view

    return decorate


KEY_401 = "Missing, unknown or revoked API key"
BODY_PROBLEMS = {
    400: "Body is not valid JSON",
    413: "Body larger than the limit",
    415: "Body is not application/json",
    422: "Invalid fields (listed per field in `errors`), or an Idempotency-Key reused with another body",
}
