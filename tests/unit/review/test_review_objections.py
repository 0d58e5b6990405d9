"""The public objection window's pure rules (services/review/domain/objections.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.review.domain import objections as rules

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_a_window_takes_objections_to_its_shortlist_until_it_closes() -> None:
    window = rules.Window(frozenset({"p1"}), rules.closes_at(NOW, 7))
    window.takes("p1", NOW + timedelta(days=6, hours=23))
    with pytest.raises(rules.NotOnShortlist):
        window.takes("p2", NOW)
    with pytest.raises(rules.WindowClosed):
        window.takes("p1", NOW + timedelta(days=7))
    with pytest.raises(rules.WindowClosed):
        rules.Window(frozenset({"p1"}), None).takes("p1", NOW)


@pytest.mark.parametrize("days", [0, 61, -1])
def test_a_window_lasts_one_to_sixty_days(days: int) -> None:
    with pytest.raises(ValueError):
        rules.closes_at(NOW, days)


def test_spam_is_the_honeypot_filled_or_a_form_sent_too_fast() -> None:
    rules.check_not_spam("", None, NOW, 3.0)
    rules.check_not_spam("", NOW - timedelta(seconds=3), NOW, 3.0)
    with pytest.raises(rules.Spam):
        rules.check_not_spam("http://spam", None, NOW, 3.0)
    with pytest.raises(rules.Spam):
        rules.check_not_spam("", NOW - timedelta(seconds=1), NOW, 3.0)


def test_an_objection_is_answered_then_resolved_or_resolved_at_once() -> None:
    assert rules.next_status("open", "answered") == "answered"
    assert rules.next_status("open", "resolved") == "resolved"
    assert rules.next_status("answered", "resolved") == "resolved"
    for current, wanted in [("answered", "answered"), ("resolved", "answered"), ("open", "open")]:
        with pytest.raises(rules.WrongMove):
            rules.next_status(current, wanted)


def test_only_open_objections_on_proposals_in_scope_hold_back_awards() -> None:
    rows = [
        {"id": "o1", "proposal_id": "p1", "status": "open"},
        {"id": "o2", "proposal_id": "p2", "status": "open"},
        {"id": "o3", "proposal_id": "p1", "status": "answered"},
    ]
    assert rules.blocking(rows, ["p1"]) == ["o1"]
    assert rules.blocking(rows, ["p3"]) == []
    assert rules.blocking(rows, ["p1", "p2"]) == ["o1", "o2"]


def test_files_are_judged_by_their_bytes_and_clients_by_a_hash() -> None:
    assert rules.sniff(b"%PDF-1.7") == rules.PDF
    assert rules.sniff(b"\x89PNG\r\n\x1a\n....") == rules.PNG
    assert rules.sniff(b"\xff\xd8\xff\xe0") == rules.JPEG
    assert rules.sniff(b"MZ\x90\x00") is None
    key = rules.client_key("198.51.100.7")
    assert len(key) == 64 and "198.51" not in key
    assert key == rules.client_key("198.51.100.7") != rules.client_key("198.51.100.8")
