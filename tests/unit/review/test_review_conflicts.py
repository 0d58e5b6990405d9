"""Conflicts of interest follow the organisation and the declarations: property-based over
random organisations (kecamatan with their kelurahan, dinas, badan), reviewers and what
they declared, no assignment ``choose`` makes is ever conflicted."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from services.review.domain import conflicts
from services.review.domain.assignment import Candidate, Need, choose, conflict, eligible, with_load


@dataclass(frozen=True)
class World:
    parents: dict[str, str]  # code -> parent code, as registered
    codes: list[str]
    pool: list[Candidate]
    proposals: list[tuple[str, str]]  # (proposal id, agency code)


def _spelled(code: str) -> st.SearchStrategy[str]:
    """How an operator may have typed a registered code: any case, stray spaces."""
    return st.sampled_from([code, code.lower(), f" {code} ", code.title()])


@st.composite
def worlds(draw: st.DrawFn) -> World:
    codes = [f"AG{i}" for i in range(draw(st.integers(1, 12)))]
    parents: dict[str, str] = {}
    for i, code in enumerate(codes):
        # Only an earlier agency can be a parent: the register has no cycles.
        if i and draw(st.booleans()):
            parents[code] = codes[draw(st.integers(0, i - 1))]
    proposal_ids = [f"p{i}" for i in range(draw(st.integers(1, 8)))]
    proposals = [(pid, draw(st.sampled_from(codes))) for pid in proposal_ids]
    pool = []
    for i in range(draw(st.integers(0, 15))):
        home = draw(st.one_of(st.just(""), st.sampled_from(codes).flatmap(_spelled)))
        declared = conflicts.Declared.of(
            [(conflicts.AGENCY, c) for c in draw(st.lists(st.sampled_from(codes), max_size=3))]
            + [
                (conflicts.PROPOSAL, p)
                for p in draw(st.lists(st.sampled_from(proposal_ids), max_size=3))
            ]
        )
        pool.append(
            Candidate(
                id=f"r{i}",
                agency_code=home,
                expertise=frozenset(),
                load=draw(st.integers(0, 3)),
                max_load=draw(st.integers(0, 6)),
                active=draw(st.booleans()),
                declared=declared,
            )
        )
    return World(parents, codes, pool, proposals)


def conflicted(world: World, reviewer: Candidate, proposal_id: str, agency: str) -> bool:
    """The rule, written out again independently of the domain's code."""
    home = reviewer.agency_code.strip().upper()
    kin = {agency, world.parents.get(agency)} | {c for c, p in world.parents.items() if p == agency}
    return (
        (home != "" and home.upper() in {k.upper() for k in kin if k})
        or agency.casefold() in reviewer.declared.agencies
        or proposal_id in reviewer.declared.proposals
    )


@settings(max_examples=400, deadline=None)
@given(worlds(), st.integers(1, 4))
def test_no_conflicted_assignment_is_ever_made(world: World, per_proposal: int) -> None:
    organisation = conflicts.Organisation.of(world.parents.items())
    pool = list(world.pool)
    for proposal_id, agency in world.proposals:
        need = Need(
            count=per_proposal,
            agency_code=agency,
            category="health",
            proposal_id=proposal_id,
            organisation=organisation,
        )
        chosen = choose(pool, need)
        for c in chosen:
            assert not conflicted(world, c, proposal_id, agency), (c, proposal_id, agency)
        # Nobody eligible was left out for no reason, and nobody conflicted is eligible.
        for c in pool:
            assert eligible(c, need) <= (not conflicted(world, c, proposal_id, agency))
            assert (conflict(c, need) is not None) == conflicted(world, c, proposal_id, agency)
        assert len(chosen) == min(per_proposal, sum(eligible(c, need) for c in pool))
        pool = with_load(pool, {c.id for c in chosen})


KEC, KEL, KEL2, DINAS = "KEC-A", "KEL-A1", "KEL-A2", "DINKES"
ORG = conflicts.Organisation.of([(KEL, KEC), (KEL2, KEC)])


def _reason(home: str, agency: str, declared: conflicts.Declared = conflicts.NOTHING) -> str | None:
    return conflicts.reason(home, declared, conflicts.Proposer.of("p1", agency, ORG))


def test_a_kecamatan_and_its_kelurahan_conflict_both_ways() -> None:
    assert _reason(KEC, KEL) == conflicts.CHILD
    assert _reason(KEL, KEC) == conflicts.PARENT
    assert _reason(" kel-a1 ", KEL) == conflicts.OWN


def test_sister_kelurahan_and_other_agencies_do_not_conflict() -> None:
    assert _reason(KEL, KEL2) is None
    assert _reason(DINAS, KEL) is None
    assert _reason("", KEL) is None  # the secretariat's people have no home agency


def test_declarations_conflict_whatever_the_organisation() -> None:
    declared = conflicts.Declared.of([(conflicts.AGENCY, "dinkes"), (conflicts.PROPOSAL, "p1")])
    assert _reason("", DINAS, declared) == conflicts.DECLARED_PROPOSAL
    only_agency = conflicts.Declared.of([(conflicts.AGENCY, "dinkes")])
    assert _reason(KEL, DINAS, only_agency) == conflicts.DECLARED_AGENCY
    assert _reason(KEL, "DISDIK", only_agency) is None
