"""Assignment: conflict of interest never, maximum load never exceeded, expertise preferred,
load balanced. Property-based over random pools of reviewers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.review.domain.assignment import Candidate, Need, choose, eligible, with_load

AGENCIES = ["DINKES", "DISDIK", "DISHUB", "PDAM", "BAPPEDA"]
TOPICS = ["health", "education", "water", "transportation"]

candidates = st.lists(
    st.builds(
        Candidate,
        id=st.uuids().map(str),
        agency_code=st.sampled_from(AGENCIES + [a.lower() for a in AGENCIES]),
        expertise=st.frozensets(st.sampled_from(TOPICS), max_size=2),
        load=st.integers(0, 6),
        max_load=st.integers(0, 6),
        active=st.booleans(),
    ),
    max_size=25,
    unique_by=lambda c: c.id,
)
needs = st.builds(
    Need,
    count=st.integers(0, 5),
    agency_code=st.sampled_from(AGENCIES),
    category=st.sampled_from(TOPICS),
)


@settings(max_examples=300, deadline=None)
@given(candidates, needs)
def test_choice_respects_every_hard_rule(pool: list[Candidate], need: Need) -> None:
    chosen = choose(pool, need)
    assert len({c.id for c in chosen}) == len(chosen)
    for c in chosen:
        assert c.agency_code.casefold() != need.agency_code.casefold(), "conflict of interest"
        assert c.active and c.load < c.max_load and c.id not in need.excluded
    assert len(chosen) == min(need.count, sum(eligible(c, need) for c in pool))


@settings(max_examples=300, deadline=None)
@given(candidates, needs)
def test_expertise_first_then_the_lightest_load(pool: list[Candidate], need: Need) -> None:
    chosen = choose(pool, need)
    left_out = [c for c in pool if eligible(c, need) and c not in chosen]
    for c in chosen:
        for other in left_out:
            c_match, o_match = need.category in c.expertise, need.category in other.expertise
            assert c_match or not o_match, "an expert was passed over for a non-expert"
            if c_match == o_match:
                assert c.load <= other.load, "a busier reviewer was preferred"


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 8), st.integers(1, 4), st.integers(1, 30))
def test_many_proposals_spread_evenly(reviewers: int, per_proposal: int, proposals: int) -> None:
    pool = [Candidate(f"r{i}", f"HOME{i}", frozenset(), 0, 1000) for i in range(reviewers)]
    for n in range(proposals):
        picked = choose(pool, Need(per_proposal, f"AG{n}", "health"))
        pool = with_load(pool, {c.id for c in picked})
    loads = [c.load for c in pool]
    assert sum(loads) == proposals * min(per_proposal, reviewers)
    assert max(loads) - min(loads) <= 1


def test_a_conflict_declared_excludes_the_reviewer() -> None:
    pool = [Candidate("a", "X", frozenset(), 0, 5), Candidate("b", "Y", frozenset(), 3, 5)]
    assert [c.id for c in choose(pool, Need(1, "Z", "health", frozenset({"a"})))] == ["b"]
