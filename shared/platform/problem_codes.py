"""The stable ``code`` of every problem+json answer: what each means, and the general code
of each status. Kept apart from ``shared.web`` so that gunicorn's configuration (which
answers some errors itself) can use it without importing the web app.
"""

from __future__ import annotations

import logging
from typing import Any

# Every code a problem may carry, with what it means. Add one here before using it;
# tests/integration/test_problem_codes.py checks that the services answer only these.
CODES: dict[str, str] = {
    # general, one per status (STATUS_CODES)
    "request.malformed": "The request cannot be read (400)",
    "auth.required": "No valid credential was sent (401)",
    "auth.forbidden": "The credential may not do this (403)",
    "resource.not_found": "No such thing, or not one the caller may see (404)",
    "request.method_not_allowed": "The path does not answer this method (405)",
    "request.not_acceptable": "No representation the client accepts (406)",
    "request.timeout": "The request did not arrive in time (408)",
    "state.conflict": "The request does not fit the current state (409)",
    "request.length_required": "A body needs its length (411)",
    "request.too_large": "The body or a file is too large (413)",
    "request.uri_too_long": "The request line is too long (414)",
    "request.unsupported_media_type": "The body's or a file's type is not accepted (415)",
    "validation.failed": "Fields are missing or invalid; see errors (422)",
    "request.rate_limited": "Too many requests; see Retry-After (429)",
    "request.headers_too_large": "Too many or too large headers (431)",
    "server.error": "Something failed on our side (500)",
    "service.unavailable": "A service or store it needs does not answer; retry later (502, 503, 504)",
    "request.failed": "Any other status",
    # particular refusals
    "auth.wrong_credentials": "Wrong email or password",
    "auth.too_many_failures": "Too many failed logins; see Retry-After",
    "auth.otp_required": "The account has a second factor: send its code as `otp`",
    "auth.wrong_otp": "The second factor's code is wrong or was used already",
    "auth.second_factor_enrolment_required": (
        "The account's role must have a second factor: enrol on the pages first"
    ),
    "second_factor.not_started": "No second-factor enrolment was started for the account",
    "second_factor.already_enrolled": "The account already has a second factor",
    "account.not_found": "No such account",
    "account.email_taken": "An account with this email exists",
    "account.inactive": "The account is deactivated (no reset link is sent for it)",
    "account.has_password": "The account has set its password: send a reset, not an invitation",
    "access_link.not_found": "The invitation or reset link is unknown, used or expired",
    "agency.not_found": "No such agency",
    "agency.code_taken": "An agency with this code exists",
    "api_key.not_found": "No such API key for this agency",
    "assignment.not_found": "No such assignment",
    "assignment.closed": "The assignment was released or its deadline passed",
    "assignment.conflict_of_interest": "The reviewer has a conflict of interest with the "
    "proposal (their agency, its parent or children, or a declared agency or proposal)",
    "conflict.not_found": "No such declared conflict of the caller's",
    "cycle.not_found": "No such cycle (or rubric version)",
    "cycle.decided": "The cycle's awards were decided; it cannot change",
    "cycle.categories_fixed": "A proposal of the cycle is shortlisted or decided; its award "
    "categories cannot change",
    "category.decided": "This award category's awards were decided already",
    "cycle.awards_undecided": "An award category's awards are not decided yet: results "
    "cannot be published",
    "category.shortlist_full": "The award category's shortlist is full",
    "award.unverified_finalist": "The cycle has a field verification stage and a finalist "
    "named for an award was not verified by its field visit (409)",
    "proposal.not_a_finalist": "Only a finalist (shortlisted) can be scheduled (409)",
    "appointment.not_scheduled": "No such presentation or field visit is scheduled (409)",
    "award.objection_open": "An objection to a proposal of the category (or of the cycle, "
    "without categories) is still open: answer or resolve it before deciding the awards",
    "shortlist.empty": "Nothing is shortlisted in the cycle yet: there is no shortlist to publish",
    "objection.window_closed": "The cycle's public objection window is not open",
    "objection.not_shortlisted": "The innovation is not on the published shortlist",
    "objection.not_found": "No such objection (or it has no file)",
    "objection.illegal_transition": "The objection cannot move to that status from its own",
    "objection.spam": "The form looked automated (the hidden field filled, or sent too fast)",
    "objection.rate_limited": "Too many objections from this address this hour; see Retry-After",
    "proposal.no_category": "The proposal is in none of the cycle's award categories",
    "delivery.not_found": "No such delivery",
    "webhook.not_found": "No such webhook endpoint for this agency",
    "delivery.not_failed": "Only a failed delivery can be retried",
    "evidence.not_found": "No such evidence file on this proposal",
    "evidence.unavailable": "The evidence storage does not answer; retry later",
    "idempotency.key_reused": "The Idempotency-Key was used with a different request",
    "idempotency.in_progress": "A request with this Idempotency-Key is still running",
    "proposal.not_found": "No such proposal (for this agency)",
    "proposal.version_not_found": "The proposal has no such version",
    "proposal.illegal_transition": "The proposal's state does not allow this; see allowed",
    "proposal.changed": "The proposal changed meanwhile; read it again and retry",
    "round.not_found": "No such review round",
    "subject.not_found": "No such data subject (for an agency admin: none of its innovators)",
    "export.not_found": "No such export (for an agency admin: none it asked for)",
    "subject.erased": "The data subject was erased; their sealed fields are unreadable (410)",
    "submission.window_closed": "The cycle does not accept submissions now",
    "addendum.closed": "Screening has closed and no revision is asked: no addendum now",
    "addendum.not_found": "No such addendum on this proposal",
    "submission.agency_limit_reached": "The agency has submitted the most the cycle allows",
}
STATUS_CODES: dict[int, str] = {
    400: "request.malformed",
    401: "auth.required",
    403: "auth.forbidden",
    404: "resource.not_found",
    405: "request.method_not_allowed",
    406: "request.not_acceptable",
    408: "request.timeout",
    409: "state.conflict",
    411: "request.length_required",
    413: "request.too_large",
    414: "request.uri_too_long",
    415: "request.unsupported_media_type",
    422: "validation.failed",
    429: "request.rate_limited",
    431: "request.headers_too_large",
    500: "server.error",
    502: "service.unavailable",
    503: "service.unavailable",
    504: "service.unavailable",
}
_log = logging.getLogger(__name__)


def code_for(status: int, code: str | None = None) -> str:
    """``code`` when it is one of ``CODES``, else the status's general code."""
    if code in CODES:
        return str(code)
    if code:
        _log.warning("problem code %r is not in CODES; answering the status's code", code)
    return STATUS_CODES.get(status, "server.error" if status >= 500 else "request.failed")


def problem_body(
    status: int, title: str, detail: str = "", code: str | None = None
) -> dict[str, Any]:
    """The members every problem has, in order: type, title, status, code, detail."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["code"] = code_for(status, code)
    if detail:
        body["detail"] = detail
    return body
