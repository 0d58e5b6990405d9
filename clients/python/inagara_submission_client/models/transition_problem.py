from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.transition_problem_code import TransitionProblemCode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.transition_problem_errors import TransitionProblemErrors


T = TypeVar("T", bound="TransitionProblem")


@_attrs_define
class TransitionProblem:
    """
    Attributes:
        code (TransitionProblemCode): What kind of problem, stable across releases, for a portal to translate:
            `access_link.not_found`: The invitation or reset link is unknown, used or expired; `account.email_taken`: An
            account with this email exists; `account.has_password`: The account has set its password: send a reset, not an
            invitation; `account.inactive`: The account is deactivated (no reset link is sent for it); `account.not_found`:
            No such account; `addendum.closed`: Screening has closed and no revision is asked: no addendum now;
            `addendum.not_found`: No such addendum on this proposal; `agency.code_taken`: An agency with this code exists;
            `agency.not_found`: No such agency; `api_key.not_found`: No such API key for this agency;
            `appointment.not_scheduled`: No such presentation or field visit is scheduled (409); `assignment.closed`: The
            assignment was released or its deadline passed; `assignment.conflict_of_interest`: The reviewer has a conflict
            of interest with the proposal (their agency, its parent or children, or a declared agency or proposal);
            `assignment.not_found`: No such assignment; `auth.forbidden`: The credential may not do this (403);
            `auth.otp_required`: The account has a second factor: send its code as `otp`; `auth.required`: No valid
            credential was sent (401); `auth.second_factor_enrolment_required`: The account's role must have a second
            factor: enrol on the pages first; `auth.too_many_failures`: Too many failed logins; see Retry-After;
            `auth.wrong_credentials`: Wrong email or password; `auth.wrong_otp`: The second factor's code is wrong or was
            used already; `award.objection_open`: An objection to a proposal of the category (or of the cycle, without
            categories) is still open: answer or resolve it before deciding the awards; `award.unverified_finalist`: The
            cycle has a field verification stage and a finalist named for an award was not verified by its field visit
            (409); `category.decided`: This award category's awards were decided already; `category.shortlist_full`: The
            award category's shortlist is full; `conflict.not_found`: No such declared conflict of the caller's;
            `cycle.awards_undecided`: An award category's awards are not decided yet: results cannot be published;
            `cycle.categories_fixed`: A proposal of the cycle is shortlisted or decided; its award categories cannot change;
            `cycle.decided`: The cycle's awards were decided; it cannot change; `cycle.not_found`: No such cycle (or rubric
            version); `delivery.not_failed`: Only a failed delivery can be retried; `delivery.not_found`: No such delivery;
            `evidence.not_found`: No such evidence file on this proposal; `evidence.unavailable`: The evidence storage does
            not answer; retry later; `export.not_found`: No such export (for an agency admin: none it asked for);
            `idempotency.in_progress`: A request with this Idempotency-Key is still running; `idempotency.key_reused`: The
            Idempotency-Key was used with a different request; `objection.illegal_transition`: The objection cannot move to
            that status from its own; `objection.not_found`: No such objection (or it has no file);
            `objection.not_shortlisted`: The innovation is not on the published shortlist; `objection.rate_limited`: Too
            many objections from this address this hour; see Retry-After; `objection.spam`: The form looked automated (the
            hidden field filled, or sent too fast); `objection.window_closed`: The cycle's public objection window is not
            open; `proposal.changed`: The proposal changed meanwhile; read it again and retry;
            `proposal.illegal_transition`: The proposal's state does not allow this; see allowed; `proposal.no_category`:
            The proposal is in none of the cycle's award categories; `proposal.not_a_finalist`: Only a finalist
            (shortlisted) can be scheduled (409); `proposal.not_found`: No such proposal (for this agency);
            `proposal.version_not_found`: The proposal has no such version; `request.failed`: Any other status;
            `request.headers_too_large`: Too many or too large headers (431); `request.length_required`: A body needs its
            length (411); `request.malformed`: The request cannot be read (400); `request.method_not_allowed`: The path does
            not answer this method (405); `request.not_acceptable`: No representation the client accepts (406);
            `request.rate_limited`: Too many requests; see Retry-After (429); `request.timeout`: The request did not arrive
            in time (408); `request.too_large`: The body or a file is too large (413); `request.unsupported_media_type`: The
            body's or a file's type is not accepted (415); `request.uri_too_long`: The request line is too long (414);
            `resource.not_found`: No such thing, or not one the caller may see (404); `round.not_found`: No such review
            round; `second_factor.already_enrolled`: The account already has a second factor; `second_factor.not_started`:
            No second-factor enrolment was started for the account; `server.error`: Something failed on our side (500);
            `service.unavailable`: A service or store it needs does not answer; retry later (502, 503, 504);
            `shortlist.empty`: Nothing is shortlisted in the cycle yet: there is no shortlist to publish; `state.conflict`:
            The request does not fit the current state (409); `subject.erased`: The data subject was erased; their sealed
            fields are unreadable (410); `subject.not_found`: No such data subject (for an agency admin: none of its
            innovators); `submission.agency_limit_reached`: The agency has submitted the most the cycle allows;
            `submission.window_closed`: The cycle does not accept submissions now; `validation.failed`: Fields are missing
            or invalid; see errors (422); `webhook.not_found`: No such webhook endpoint for this agency
        allowed_actions (list[str] | Unset): What is possible instead: edit, submit, withdraw, change_evidence
        current_status (str | Unset): The proposal's status now
        detail (str | Unset): What went wrong this time
        errors (TransitionProblemErrors | Unset): Messages per field path, such as `innovators.0.phone`
        status (int | Unset): The HTTP status code
        title (str | Unset): Short summary of the kind of problem
        type_ (str | Unset): A URI naming the kind of problem
    """

    code: TransitionProblemCode
    allowed_actions: list[str] | Unset = UNSET
    current_status: str | Unset = UNSET
    detail: str | Unset = UNSET
    errors: TransitionProblemErrors | Unset = UNSET
    status: int | Unset = UNSET
    title: str | Unset = UNSET
    type_: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        code = self.code.value

        allowed_actions: list[str] | Unset = UNSET
        if not isinstance(self.allowed_actions, Unset):
            allowed_actions = self.allowed_actions

        current_status = self.current_status

        detail = self.detail

        errors: dict[str, Any] | Unset = UNSET
        if not isinstance(self.errors, Unset):
            errors = self.errors.to_dict()

        status = self.status

        title = self.title

        type_ = self.type_

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "code": code,
            }
        )
        if allowed_actions is not UNSET:
            field_dict["allowed_actions"] = allowed_actions
        if current_status is not UNSET:
            field_dict["current_status"] = current_status
        if detail is not UNSET:
            field_dict["detail"] = detail
        if errors is not UNSET:
            field_dict["errors"] = errors
        if status is not UNSET:
            field_dict["status"] = status
        if title is not UNSET:
            field_dict["title"] = title
        if type_ is not UNSET:
            field_dict["type"] = type_

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.transition_problem_errors import TransitionProblemErrors

        d = dict(src_dict)
        code = TransitionProblemCode(d.pop("code"))

        allowed_actions = cast(list[str], d.pop("allowed_actions", UNSET))

        current_status = d.pop("current_status", UNSET)

        detail = d.pop("detail", UNSET)

        _errors = d.pop("errors", UNSET)
        errors: TransitionProblemErrors | Unset
        if isinstance(_errors, Unset):
            errors = UNSET
        else:
            errors = TransitionProblemErrors.from_dict(_errors)

        status = d.pop("status", UNSET)

        title = d.pop("title", UNSET)

        type_ = d.pop("type", UNSET)

        transition_problem = cls(
            code=code,
            allowed_actions=allowed_actions,
            current_status=current_status,
            detail=detail,
            errors=errors,
            status=status,
            title=title,
            type_=type_,
        )

        return transition_problem
