"""HTTP edge for an agency's proposals: create, edit, submit, withdraw, read, search,
versions and timeline. Views translate HTTP into one use case each."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for
from flask_smorest import Blueprint, abort

from services.submission.api import examples
from services.submission.api.auth import agency_required, caller, ctx, grouped_work, work
from services.submission.api.errors import BODY_PROBLEMS, KEY_401, problems
from services.submission.api.idempotency import (
    IdempotencyHeaderSchema,
    answer_within,
    idempotent,
)
from services.submission.api.schemas import (
    CreateQuerySchema,
    ProposalPageSchema,
    ProposalSchema,
    ProposalWriteSchema,
    SearchQuerySchema,
    SubmitSchema,
    TimelineSchema,
    VersionListSchema,
    VersionSchema,
    WithdrawSchema,
)
from services.submission.store.cycle_records import known_cycles
from services.submission.usecases import proposals as usecases
from shared.events.json_form import json_form
from shared.events.proposal import ProposalProfileSchema

blp = Blueprint(
    "proposals",
    __name__,
    url_prefix="/v1/proposals",
    description="Proposals of the calling agency (API key as `Authorization: Bearer <key>`). "
    "A `drafter` key saves and edits drafts; an `agency_admin` key (or a drafter of an "
    "agency that allows it) submits, resubmits and withdraws.",
)
SECURITY: list[dict[str, list[str]]] = [{"bearer": []}]
NOT_FOUND = {404: "No such proposal for this agency"}
CONFLICT = {
    409: "Not possible in the proposal's status (`allowed_actions` says what is), "
    "outside the cycle's submission window, changed meanwhile by another request, "
    "or a request with the same Idempotency-Key still running"
}


def json_response(body: Any, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    return response


# Built once: a schema instance deep-copies its fields, and its JSON form is planned
# from them (the body was just loaded: ``json_form`` does the dump's work without
# marshmallow's per-field machinery).
_PROFILE_JSON = json_form(ProposalProfileSchema())


def _profile(body: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The stored (JSON-ready) profile and the chosen cycle from a write body."""
    cycle_id = body.pop("cycle_id", None)
    return _PROFILE_JSON(body), cycle_id


def _configured() -> Any:
    return ctx().configured_cycle


def _an_agency_maximum() -> bool:
    """Whether a cycle caps the proposals per agency ("one agency, one innovation").

    Then a submission counts the agency's proposals and writes in a transaction of its
    own, after the agency's row lock (PostgreSQL; SQLite's writers take turns): a grouped
    unit of work writes only at its commit, beside other requests', so two of one agency
    committing together would each count without the other.
    """
    engine = ctx().engine

    def read() -> list[Any]:
        with engine.connect() as conn:
            return known_cycles(conn)

    return any(c.max_per_agency is not None for c in ctx().cycles.known(read))


@blp.route("", methods=["POST"])
@blp.doc(security=SECURITY)
@agency_required
@blp.arguments(IdempotencyHeaderSchema(), location="headers", as_kwargs=True)
@blp.arguments(CreateQuerySchema(), location="query", as_kwargs=True)
@blp.arguments(ProposalWriteSchema(), example=examples.PROPOSAL)
@blp.response(201, ProposalSchema)
@problems(
    blp,
    {
        401: KEY_401,
        403: "A drafter key may only save drafts (unless the agency allows drafters to submit)",
        **CONFLICT,
        **BODY_PROBLEMS,
    },
)
@idempotent
def create_proposal(body: dict[str, Any], draft: bool = False, **_: Any) -> Response:
    """Save a draft (`?draft=true`) or submit a proposal at once.

    Submitting is refused outside the cycle's submission window; a draft can be
    saved at any time. Without `cycle_id`, the one open cycle is chosen.
    """
    profile, cycle_id = _profile(body)
    command = usecases.CreateProposal(
        caller(), profile, cycle_id, draft, _configured(), also=answer_within(201, _location)
    )
    # Sealing innovators (v2) creates a subject and reads its key back in the same
    # transaction: a grouped unit of work defers writes to the commit, so it cannot.
    sealing = ctx().settings.proposal_event_version >= 2 and not draft
    own = sealing or (not draft and _an_agency_maximum())
    created = usecases.create_proposal(command, work() if own else grouped_work())
    response = json_response(created, 201)
    response.headers.update(_location(created))
    return response


def _location(created: dict[str, Any]) -> dict[str, str]:
    return {
        "Location": url_for("proposals.get_proposal", proposal_id=created["id"], _external=False)
    }


@blp.route("", methods=["GET"])
@blp.doc(security=SECURITY)
@agency_required
@blp.arguments(SearchQuerySchema, location="query")
@blp.response(200, ProposalPageSchema)
@problems(blp, {401: KEY_401, 422: "Invalid filter or cursor"})
def search_proposals(query: dict[str, Any]) -> Response:
    """The agency's proposals, newest first, a page at a time (stable order: created_at, id)."""
    search = usecases.Search(**query)
    return json_response(usecases.search_proposals(caller().agency.id, search, work()))


@blp.route("/<string:proposal_id>", methods=["GET"])
@blp.doc(security=SECURITY)
@agency_required
@blp.response(200, ProposalSchema)
@problems(blp, {401: KEY_401, **NOT_FOUND})
def get_proposal(proposal_id: str) -> Response:
    """One of the agency's proposals, with the reviewers' feedback when a revision is asked."""
    proposal = usecases.get_proposal(proposal_id, caller().agency.id, work())
    if proposal is None:
        abort(404, message="No proposal with this id for your agency.", code="proposal.not_found")
    return json_response(proposal)


@blp.route("/<string:proposal_id>", methods=["PUT"])
@blp.doc(security=SECURITY)
@agency_required
@blp.arguments(ProposalWriteSchema, example=examples.PROPOSAL)
@blp.response(200, ProposalSchema)
@problems(blp, {401: KEY_401, **NOT_FOUND, **CONFLICT, **BODY_PROBLEMS})
def edit_proposal(body: dict[str, Any], proposal_id: str) -> Response:
    """Replace the profile of a draft, or of a proposal under revision: a new version.

    The previous version stays readable under `/versions/{n}`.
    """
    profile, cycle_id = _profile(body)
    command = usecases.EditProposal(caller(), proposal_id, profile, cycle_id, _configured())
    return json_response(usecases.edit_proposal(command, work()))


@blp.route("/<string:proposal_id>/submit", methods=["POST"])
@blp.doc(security=SECURITY)
@agency_required
@blp.arguments(SubmitSchema, required=False)
@blp.response(200, ProposalSchema)
@problems(
    blp,
    {
        401: KEY_401,
        403: "Only the agency administrator (or an allowed drafter) may submit",
        **NOT_FOUND,
        **CONFLICT,
        **BODY_PROBLEMS,
    },
)
def submit_proposal(body: dict[str, Any], proposal_id: str) -> Response:
    """Submit a draft (`proposal.submitted`), or resubmit after a revision request
    (`proposal.resubmitted`, always with a new version). The body is optional."""
    cycle_id = (body or {}).get("cycle_id")
    command = usecases.SubmitProposal(caller(), proposal_id, cycle_id, _configured())
    return json_response(usecases.submit_proposal(command, work()))


@blp.route("/<string:proposal_id>/withdraw", methods=["POST"])
@blp.doc(security=SECURITY)
@agency_required
@blp.arguments(WithdrawSchema, required=False)
@blp.response(200, ProposalSchema)
@problems(
    blp,
    {
        401: KEY_401,
        403: "Only the agency administrator (or an allowed drafter) may withdraw",
        **NOT_FOUND,
        **CONFLICT,
        **BODY_PROBLEMS,
    },
)
def withdraw_proposal(body: dict[str, Any], proposal_id: str) -> Response:
    """Take a submitted proposal back before a decision (`proposal.withdrawn`)."""
    reason = (body or {}).get("reason", "")
    command = usecases.WithdrawProposal(caller(), proposal_id, reason)
    return json_response(usecases.withdraw_proposal(command, work()))


@blp.route("/<string:proposal_id>/reopen", methods=["POST"])
@blp.doc(security=SECURITY)
@agency_required
@blp.response(200, ProposalSchema)
@problems(
    blp,
    {
        401: KEY_401,
        403: "Only the agency administrator (or an allowed drafter) may reopen",
        **NOT_FOUND,
        409: "The proposal is not withdrawn (`allowed_actions` says what is possible), its "
        "cycle's submission window is closed (`submission.window_closed`), or it changed "
        "meanwhile",
    },
)
def reopen_proposal(proposal_id: str) -> Response:
    """Reopen a withdrawn proposal while its cycle's submission window is open
    (`proposal.reopened`): the same id, versions and timeline, back in the status the
    withdrawal left; reviewers already assigned keep it and are not told again."""
    command = usecases.ReopenProposal(caller(), proposal_id, _configured())
    return json_response(usecases.reopen_proposal(command, work()))


@blp.route("/<string:proposal_id>/versions", methods=["GET"])
@blp.doc(security=SECURITY)
@agency_required
@blp.response(200, VersionListSchema)
@problems(blp, {401: KEY_401, **NOT_FOUND})
def list_versions(proposal_id: str) -> Response:
    """Every version of the proposal, oldest first."""
    items = usecases.list_versions(proposal_id, caller().agency.id, work())
    return json_response({"items": items})


@blp.route("/<string:proposal_id>/versions/<int(max=2147483647):version>", methods=["GET"])
@blp.doc(security=SECURITY)
@agency_required
@blp.response(200, VersionSchema)
@problems(blp, {401: KEY_401, 404: "No such proposal for this agency, or no such version"})
def get_version(proposal_id: str, version: int) -> Response:
    """One version as it was saved (and, if submitted, with its evidence files then)."""
    # Versions are small whole numbers; anything else cannot exist (and would overflow SQL).
    found = (
        usecases.get_version(proposal_id, caller().agency.id, version, work())
        if 1 <= version < 2**31
        else None
    )
    if found is None:
        abort(404, message="This proposal has no such version.", code="proposal.version_not_found")
    return json_response(found)


@blp.route("/<string:proposal_id>/timeline", methods=["GET"])
@blp.doc(security=SECURITY)
@agency_required
@blp.response(200, TimelineSchema)
@problems(blp, {401: KEY_401, **NOT_FOUND})
def get_timeline(proposal_id: str) -> Response:
    """Every step the proposal went through in both services, oldest first.

    Reviewers are never named: a step says "reviewer 2 of 3".
    """
    items = usecases.get_timeline(proposal_id, caller().agency.id, work())
    return json_response({"items": items})
