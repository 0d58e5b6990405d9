"""A season's events through the recorder and the dispatchers against the WhatsApp and SMS
stand-ins (bench/instant_costs.py), on SQLite and on PostgreSQL: under the default channel
policy no number gets the same instant text twice within the dedupe window, reviewers get
no receipts by instant message, and numbers not on WhatsApp get SMS instead."""

from __future__ import annotations

from bench.instant_costs import NOT_ON_WHATSAPP, run, season


def test_a_season_under_the_policy_sends_no_text_twice_within_the_window(
    database_url: str,
) -> None:
    plan = season(n_proposals=6, n_reviewers=4, not_on_whatsapp=0.25)
    innovators = [i["phone"] for p in plan.proposals for i in p["profile"]["innovators"]]
    off = [p for p in innovators if p.startswith(NOT_ON_WHATSAPP)]
    assert off and len(off) < len(innovators)

    after = run(plan, {"require_basis": True}, whatsapp_on=True, database_url=database_url)

    assert after.repeats_within_a_day == 0
    for reviewer in plan.reviewers:
        # Without the policy each of their events was an SMS: assignment, two reminders
        # (the same text a day apart), receipt.
        events = sum(
            1
            for day in plan.days
            for e in day
            if e.type.startswith("review.")
            and (e.data.get("reviewer") or {"id": e.data.get("reviewer_id")})["id"]
            == reviewer["id"]
        )
        assert after.sms_messages[reviewer["phone"]] == 0
        assert 0 < after.whatsapp[reviewer["phone"]] <= events // 2
    for phone in innovators:
        if phone in off:
            assert after.whatsapp[phone] == 0 and after.sms_messages[phone] > 0
        else:
            assert after.sms_messages[phone] == 0 and after.whatsapp[phone] > 0
