"""Rubrics, weighted totals, the disagreement flag and the ranking's tie-break."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.review.domain import rubric, scoring

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_the_default_rubrics_weigh_one_hundred_and_validate() -> None:
    assert rubric.validate(rubric.DEFAULTS.desk).total_weight == 100
    panel = rubric.validate(rubric.DEFAULTS.panel)
    assert {c.key: c.weight for c in panel.criteria} == {
        "novelty": 30,
        "benefit": 25,
        "authority_collaboration": 15,
        "replicability": 20,
        "presentation": 10,
    }


def test_desk_levels_say_what_evidence_earns_them() -> None:
    for criterion in rubric.DEFAULTS.desk.criteria:
        assert [lv.score for lv in criterion.levels] == [0, 1, 2, 3]
        assert all(lv.evidence for lv in criterion.levels[1:])


def test_weighted_total_is_a_share_of_each_scale() -> None:
    panel = rubric.DEFAULTS.panel
    top = {c.key: c.scale_max for c in panel.criteria}
    bottom = {c.key: c.scale_min for c in panel.criteria}
    assert rubric.weighted_total(panel, top) == 100
    assert rubric.weighted_total(panel, bottom) == 0
    only_novelty = {**bottom, "novelty": 10}
    assert rubric.weighted_total(panel, only_novelty) == 30


def test_scores_must_cover_every_criterion_on_its_scale() -> None:
    desk = rubric.DEFAULTS.desk
    scores = {c.key: 2 for c in desk.criteria}
    assert rubric.check_scores(desk, scores) == scores
    with pytest.raises(rubric.RubricError) as bad:
        rubric.check_scores(desk, {**scores, "budget": 4, "regulation": True, "extra": 1})
    assert set(bad.value.errors) == {"scores.budget", "scores.regulation", "scores.extra"}
    with pytest.raises(rubric.RubricError) as missing:
        rubric.check_scores(desk, {})
    assert len(missing.value.errors) == len(desk.criteria)


def test_a_rubric_round_trips_through_its_dict() -> None:
    assert rubric.from_dict(rubric.to_dict(rubric.DEFAULTS.desk)) == rubric.DEFAULTS.desk


def test_an_unusable_rubric_is_refused() -> None:
    bad = rubric.Rubric(
        "desk", 1, (rubric.Criterion("a", "A", "", 0), rubric.Criterion("a", "A", "", 1, 5, 5))
    )
    with pytest.raises(rubric.RubricError) as refused:
        rubric.validate(bad)
    assert "criteria" in refused.value.errors and "criteria.0.weight" in refused.value.errors


def test_disagreement_when_the_spread_passes_the_limit() -> None:
    calm = scoring.summarise([70, 75, 80], max_spread=20)
    assert (calm.mean, calm.spread, calm.disagreement) == (75, 10, False)
    split = scoring.summarise([40, 75, 90], max_spread=20)
    assert split.disagreement and split.spread == 50
    assert not scoring.summarise([60, 80], max_spread=20).disagreement  # exactly the limit
    with pytest.raises(ValueError):
        scoring.summarise([], 20)


def entry(pid: str, totals: list[float], minutes: int = 0) -> scoring.Entry:
    return scoring.Entry(pid, scoring.summarise(totals, 20), T0 + timedelta(minutes=minutes))


def test_ranking_breaks_ties_by_the_stated_rule() -> None:
    ranked = scoring.rank(
        [
            entry("late", [70, 70, 70], minutes=5),
            entry("polarised", [40, 80, 90]),  # mean 70, lowest 40
            entry("best", [90, 90, 90]),
            entry("early", [70, 70, 70], minutes=1),
            entry("same-b", [60, 60, 60], minutes=9),
            entry("same-a", [60, 60, 60], minutes=9),
        ]
    )
    assert [r.entry.proposal_id for r in ranked] == [
        "best",
        "early",
        "late",
        "polarised",
        "same-a",
        "same-b",
    ]
    assert [r.rank for r in ranked] == [1, 2, 3, 4, 5, 6]
    assert "lowest reviewer total" in scoring.TIE_BREAK_RULE
