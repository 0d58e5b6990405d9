"""Conflicts of interest that follow the organisation.

A reviewer conflicts with a proposal of their own agency, of its parent and of its
children (a kecamatan and its kelurahan, both ways), and with every agency and proposal
they declared. Agency codes compare without case or surrounding spaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

OWN, PARENT, CHILD = "own agency", "parent agency", "child agency"
DECLARED_AGENCY, DECLARED_PROPOSAL = "declared agency", "declared proposal"
AGENCY, PROPOSAL = "agency", "proposal"  # what a declaration names


def key(code: str) -> str:
    return code.strip().casefold()


@dataclass(frozen=True)
class Organisation:
    """Who is whose parent, by agency key (only agencies that have a parent)."""

    parents: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str | None]]) -> Organisation:
        """From (code, parent code) pairs."""
        return cls({key(code): key(parent) for code, parent in pairs if parent})

    def parent(self, code: str) -> str | None:
        return self.parents.get(key(code))

    def children(self, code: str) -> frozenset[str]:
        k = key(code)
        return frozenset(child for child, parent in self.parents.items() if parent == k)


@dataclass(frozen=True)
class Declared:
    """A reviewer's declarations: agency keys and proposal ids."""

    agencies: frozenset[str] = frozenset()
    proposals: frozenset[str] = frozenset()

    @classmethod
    def of(cls, rows: Iterable[tuple[str, str]]) -> Declared:
        """From (kind, target) pairs: ``agency`` and a code, or ``proposal`` and an id."""
        pairs = list(rows)
        return cls(
            frozenset(key(t) for kind, t in pairs if kind == AGENCY),
            frozenset(t for kind, t in pairs if kind == PROPOSAL),
        )


@dataclass(frozen=True)
class Proposer:
    """The side of a proposal conflicts look at: its id, its agency, that agency's kin."""

    proposal_id: str
    agency_code: str
    parent: str | None = None
    children: frozenset[str] = frozenset()

    @classmethod
    def of(cls, proposal_id: str, agency_code: str, organisation: Organisation) -> Proposer:
        return cls(
            proposal_id,
            agency_code,
            organisation.parent(agency_code),
            organisation.children(agency_code),
        )


NOTHING = Declared()
FLAT = Organisation()


def reason(reviewer_agency: str, declared: Declared, proposer: Proposer) -> str | None:
    """Why this reviewer must not review this proposal, or None when nothing conflicts."""
    if proposer.proposal_id in declared.proposals:
        return DECLARED_PROPOSAL
    if key(proposer.agency_code) in declared.agencies:
        return DECLARED_AGENCY
    own = key(reviewer_agency)
    if not own:
        return None
    if own == key(proposer.agency_code):
        return OWN
    # The reviewer's agency is the proposer's parent: the proposer is its child, and so on.
    if own == proposer.parent:
        return CHILD
    if own in proposer.children:
        return PARENT
    return None
