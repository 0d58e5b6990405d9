"""The public record's pure rules: which publication wins, the objection window, the
grouping per category, the pages' words in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.results.domain.record import by_category, objections_open, supersedes
from services.results.domain.wording import WORDS, language

T = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def test_the_first_or_a_later_publication_wins_an_older_one_never() -> None:
    assert supersedes(T, None)
    assert supersedes(T, T) and supersedes(T + timedelta(seconds=1), T)
    assert not supersedes(T - timedelta(seconds=1), T)
    # SQLite gives the kept moment back without its zone (UTC).
    assert not supersedes(T - timedelta(seconds=1), T.replace(tzinfo=None))


def test_objections_are_open_until_the_close() -> None:
    assert objections_open(T, T - timedelta(minutes=1))
    assert not objections_open(T, T)
    assert not objections_open(None, T)
    assert objections_open(T.replace(tzinfo=None), T - timedelta(minutes=1))


def test_entries_group_under_the_cycles_categories_in_order_and_rank() -> None:
    categories = [{"code": "a", "name": "A"}, {"code": "b", "name": "B"}]
    entries = [
        {"title": "b1", "category": "b", "position": 2, "award": "Juara"},
        {"title": "a2", "category": "a", "position": 1, "award": None},
        {"title": "a1", "category": "a", "position": 0, "award": "Terbaik"},
        {"title": "x1", "category": "x", "category_name": "X", "position": 3},
    ]
    groups = by_category(categories, entries)
    assert [(g.code, g.name) for g in groups] == [("a", "A"), ("b", "B"), ("x", "X")]
    assert [e["title"] for e in groups[0].finalists] == ["a1", "a2"]
    assert [e["title"] for e in groups[0].awarded] == ["a1"]
    assert [e["title"] for e in groups[1].awarded] == ["b1"]


def test_a_cycle_without_categories_has_one_group() -> None:
    groups = by_category([], [{"title": "p", "category": None, "position": 0, "award": "J"}])
    assert [(g.code, len(g.finalists), len(g.awarded)) for g in groups] == [(None, 1, 1)]


def test_indonesian_first_and_english_says_the_same_things() -> None:
    assert language(None) == "id" and language("xx") == "id" and language("en") == "en"
    assert WORDS["id"].keys() == WORDS["en"].keys()
    assert WORDS["id"]["catalog"] == "Katalog inovasi"
