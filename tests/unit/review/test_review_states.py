"""The proposal state machine: every legal move, every illegal one refused with the allowed list."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.review.domain import states


def test_the_happy_path_is_legal() -> None:
    path = [
        states.RECEIVED,
        states.SCREENED,
        states.ASSIGNED,
        states.SCORED,
        states.SHORTLISTED,
        states.PANEL_ASSIGNED,
        states.PANEL_SCORED,
        states.AWARDED,
    ]
    for current, wanted in itertools.pairwise(path):
        assert states.move(current, wanted) == wanted


def test_a_revision_goes_back_to_received() -> None:
    assert states.move(states.SCORED, states.REVISION_REQUESTED) == states.REVISION_REQUESTED
    assert states.move(states.REVISION_REQUESTED, states.RECEIVED) == states.RECEIVED


@pytest.mark.parametrize("current", sorted(set(states.STATES) - states.FINAL))
def test_withdrawal_is_open_until_a_final_decision(current: str) -> None:
    assert states.can_move(current, states.WITHDRAWN)


@pytest.mark.parametrize("final", sorted(states.FINAL))
def test_final_states_go_nowhere(final: str) -> None:
    assert states.allowed(final) == ()
    with pytest.raises(states.IllegalTransition) as refused:
        states.move(final, states.RECEIVED)
    assert "none (final state)" in str(refused.value)


def test_an_illegal_move_names_the_allowed_ones() -> None:
    with pytest.raises(states.IllegalTransition) as refused:
        states.move(states.ASSIGNED, states.SHORTLISTED)
    assert refused.value.current == states.ASSIGNED
    assert refused.value.allowed == (states.SCORED, states.WITHDRAWN)
    assert "scored, withdrawn" in str(refused.value)


def test_nothing_is_awarded_before_it_is_scored() -> None:
    for early in (states.RECEIVED, states.SCREENED, states.ASSIGNED, states.PANEL_ASSIGNED):
        assert not states.can_move(early, states.AWARDED)
        assert not states.can_move(early, states.NOT_AWARDED)


def test_every_target_is_a_known_state() -> None:
    for targets in states.TRANSITIONS.values():
        assert set(targets) <= set(states.STATES)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(states.STATES), max_size=30))
def test_any_sequence_of_requests_stays_on_the_map(requests: list[str]) -> None:
    current = states.RECEIVED
    for wanted in requests:
        try:
            current = states.move(current, wanted)
        except states.IllegalTransition as refused:
            assert wanted not in refused.allowed and refused.current == current
        assert current in states.STATES
    if current in states.FINAL:
        assert states.allowed(current) == ()
