"""The award rules and the review deadline, pure (domain/awards.py, domain/deadlines.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.review.domain import awards, deadlines, states
from services.review.domain.errors import Conflict, Invalid

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CYCLE = {"status": "open", "award_count": 2}


def _p(pid: str, status: str = states.PANEL_SCORED, verification: str = "pass") -> dict[str, str]:
    return {"id": pid, "status": status, "verification": verification}


def test_finalists_may_win() -> None:
    in_cycle = {"a": _p("a"), "b": _p("b", states.SHORTLISTED), "c": _p("c", states.SCORED)}
    awards.require_awardable(CYCLE, in_cycle, [{"proposal_id": "a"}, {"proposal_id": "b"}])


def test_a_cycle_is_awarded_once() -> None:
    with pytest.raises(Conflict, match="decided already"):
        awards.require_awardable({**CYCLE, "status": "awarded"}, {}, [])


def test_no_more_awards_than_the_cycle_gives() -> None:
    asked = [{"proposal_id": x} for x in "abc"]
    with pytest.raises(Invalid) as refused:
        awards.require_awardable(CYCLE, {x: _p(x) for x in "abc"}, asked)
    assert refused.value.errors == {"awards": ["This cycle gives at most 2 awards."]}


def test_not_while_the_panel_is_still_scoring() -> None:
    with pytest.raises(Conflict, match="not finished for: b"):
        awards.require_awardable(CYCLE, {"a": _p("a"), "b": _p("b", states.PANEL_ASSIGNED)}, [])


def test_each_wrong_winner_is_named() -> None:
    in_cycle = {"a": _p("a", states.SCORED), "b": _p("b", verification="fail")}
    asked = [{"proposal_id": "a"}, {"proposal_id": "b"}]
    with pytest.raises(Invalid) as refused:
        awards.require_awardable(
            {**CYCLE, "award_count": 3}, in_cycle, [*asked, {"proposal_id": "z"}]
        )
    assert refused.value.errors == {
        "awards.0.proposal_id": ["Only finalists can win; this one is scored."],
        "awards.1.proposal_id": ["It failed field verification."],
        "awards.2.proposal_id": ["Not a proposal of this cycle."],
    }


def test_an_unnamed_award_is_called_award() -> None:
    assert awards.award_names(
        [{"proposal_id": "a", "award": ""}, {"proposal_id": "b", "award": "Gold"}]
    ) == {
        "a": "Award",
        "b": "Gold",
    }


def test_the_deadline_is_the_cycles_for_the_round_or_fourteen_days() -> None:
    cycle = {"review_deadline": NOW + timedelta(days=3), "panel_deadline": NOW + timedelta(days=9)}
    assert deadlines.due(cycle, "desk", NOW) == NOW + timedelta(days=3)
    assert deadlines.due(cycle, "panel", NOW) == NOW + timedelta(days=9)
    assert deadlines.due(None, "desk", NOW) == NOW + timedelta(days=14)


def test_scores_are_taken_until_the_deadline_not_after() -> None:
    deadlines.require_open(NOW, NOW)
    with pytest.raises(Conflict, match="has passed"):
        deadlines.require_open(NOW, NOW + timedelta(seconds=1))
