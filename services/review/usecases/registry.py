"""The agency register as the submission service announces it: kept from its events,
the check of a reviewer's agency code, and the organisation conflicts follow."""

from __future__ import annotations

import difflib
from datetime import UTC
from typing import Any

from services.review.domain import conflicts
from services.review.domain.errors import Invalid
from services.review.usecases.work import ReviewWork
from shared.events.catalog import AGENCY_REGISTERED, CATALOG, spec_for
from shared.events.envelope import Event

# How many close matches a refusal names, and how close they must be (difflib's ratio).
MATCHES, CUTOFF = 3, 0.6


def keep_agency(event: Event, uow: ReviewWork) -> bool:
    """``agency.registered`` / ``agency.updated``: keep the agency as announced, unless a
    later announcement is kept already (events of one agency share a partition, but a
    re-announcement may come after a newer change). Whether anything changed."""
    schema = (CATALOG.get(event.dataschema) or spec_for(AGENCY_REGISTERED)).validator
    data = schema.load(event.data)
    with uow:
        return uow.agencies.keep(
            {
                "code": data["code"],
                "agency_id": data["agency_id"],
                "name": data["name"],
                "kind": data["kind"],
                "parent_code": data["parent_code"],
                "changed_at": data["changed_at"].astimezone(UTC),
            }
        )


def close_matches(code: str, codes: list[str]) -> list[str]:
    """The known codes closest to ``code``, best first (case set aside)."""
    folded = {c.casefold(): c for c in codes}
    found = difflib.get_close_matches(code.strip().casefold(), folded, MATCHES, CUTOFF)
    return [folded[f] for f in found]


def known_agency_in(uow: ReviewWork, code: str, field: str = "agency_code") -> str:
    """The registered spelling of ``code``; an empty code stays empty (no home agency).

    Raises ``Invalid`` naming the closest registered codes when the code is unknown.
    """
    if not code.strip():
        return ""
    found = uow.agencies.by_code(code)
    if found is not None:
        return str(found["code"])
    matches = close_matches(code, uow.agencies.codes())
    hint = (
        " Did you mean " + " or ".join(matches) + "?"
        if matches
        else " No registered agency has a similar code."
    )
    raise Invalid({field: [f"No agency with the code {code.strip()!r} is registered.{hint}"]})


def organisation_in(uow: ReviewWork) -> conflicts.Organisation:
    return conflicts.Organisation.of(uow.agencies.parents())


def agencies(uow: ReviewWork) -> list[dict[str, Any]]:
    """The register, by code."""
    with uow:
        return uow.agencies.listing()
