"""Pure rules: recipients, preferences, backoff, quiet hours, rate limit, digest hour,
GSM-7 splitting, unsubscribe tokens, masking and E.164."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from marshmallow import ValidationError

from services.notification.domain import EMAIL, SMS, Person, Preference, gsm7, mask, tokens
from services.notification.domain.recipients import (
    RULES,
    SILENT,
    Proposal,
    messages_for,
)
from services.notification.domain.schedule import (
    QuietHours,
    TokenBucket,
    next_digest_time,
)
from shared.events.catalog import CATALOG
from shared.events.proposal import normalise_phone

JAKARTA = timedelta(hours=7)


def proposal(*innovators: Person, contact: str | None = "inovasi@dinkes.go.id") -> Proposal:
    return Proposal(
        proposal_id="p-1",
        version=1,
        title="Posyandu Digital",
        agency_name="Dinas Kesehatan",
        contact_email=contact,
        contact_phone=None,
        innovators=innovators
        or (Person("innovator", "Siti", "siti@dinkes.go.id", "+6281234567890"),),
    )


def decided(event_type: str = "proposal.awarded") -> dict[str, Any]:
    return {"proposal_id": "p-1", "decided_by": "s", "decided_at": "2026-03-02T03:04:05+00:00"}


def sent(messages: list[Any]) -> list[tuple[str, str]]:
    return [(m.channel, m.recipient) for m in messages]


# -- recipients ---------------------------------------------------------------------


def test_every_event_type_in_the_catalog_has_a_rule_or_is_deliberately_silent() -> None:
    types = {spec.type for spec in CATALOG.values()}
    # webhook.endpoint_changed and agency.api_key_changed are projected (the endpoints
    # webhooks go to, the keys their logs are read with), not told;
    # webhook.endpoint_disabled is this service's own (the submission service reads it).
    own = {"webhook.endpoint_changed", "webhook.endpoint_disabled", "agency.api_key_changed"}
    assert types == set(RULES) | SILENT | own


def test_screening_is_silent_the_revision_request_that_follows_a_failure_is_not() -> None:
    screened = {"proposal_id": "p-1", "passed": False, "reasons": ["x"]}
    assert messages_for("proposal.screened", screened, proposal=proposal(), sms=True) == []
    revision = {"proposal_id": "p-1", "version": 1, "feedback": "f", "reasons": ["x"]}
    found = messages_for("proposal.revision_requested", revision, proposal=proposal(), sms=True)
    assert {m.recipient for m in found} == {
        "siti@dinkes.go.id",
        "+6281234567890",
        "inovasi@dinkes.go.id",
    }


def test_innovators_get_email_and_sms_and_the_agency_contact_email_about_a_decision() -> None:
    found = messages_for("proposal.awarded", decided(), proposal=proposal(), sms=True)

    assert sent(found) == [
        (EMAIL, "siti@dinkes.go.id"),
        (SMS, "+6281234567890"),
        (EMAIL, "inovasi@dinkes.go.id"),
    ]
    assert all(m.essential and m.language == "id" for m in found)


def test_without_a_gateway_no_sms_is_planned() -> None:
    found = messages_for("proposal.awarded", decided(), proposal=proposal(), sms=False)

    assert SMS not in {m.channel for m in found}


def test_the_agency_is_not_told_about_its_own_submission() -> None:
    payload = {"proposal_id": "p-1", "version": 1}
    found = messages_for("proposal.submitted", payload, proposal=proposal(), sms=True)

    assert "inovasi@dinkes.go.id" not in {m.recipient for m in found}


def test_an_innovator_who_is_also_the_contact_gets_one_email() -> None:
    siti = Person("innovator", "Siti", "inovasi@dinkes.go.id", None)
    other = Person("innovator", "Siti again", "inovasi@dinkes.go.id", None)

    found = messages_for("proposal.rejected", decided(), proposal=proposal(siti, other))

    assert sent(found) == [(EMAIL, "inovasi@dinkes.go.id")]
    assert found[0].recipient_name == "Siti"


def test_a_reviewer_gets_the_assignment_in_their_language_by_email_and_sms() -> None:
    reviewer = Person("reviewer", "Ratna", "ratna@univ.ac.id", "+6281311112222", "en")
    payload = {
        "proposal_id": "p-1",
        "title": "T",
        "round": "desk",
        "deadline": "2026-03-09T10:00:00+00:00",
    }

    found = messages_for("review.assigned", payload, proposal=None, reviewer=reviewer, sms=True)

    assert sent(found) == [(EMAIL, "ratna@univ.ac.id"), (SMS, "+6281311112222")]
    assert {m.language for m in found} == {"en"}
    assert found[0].context["deadline_local"] == "Monday, 9 March 2026 at 17:00 WIB"


def test_a_stored_language_wins_over_the_default_and_the_event() -> None:
    prefs = {"siti@dinkes.go.id": Preference("siti@dinkes.go.id", language="en")}

    found = messages_for("proposal.awarded", decided(), proposal=proposal(), prefs=prefs, sms=True)

    assert [m.language for m in found] == ["en", "en", "id"]


def test_preferences_are_found_by_phone_too() -> None:
    prefs = {"+6281234567890": Preference("+6281234567890", sms=False, language="en")}

    found = messages_for("proposal.awarded", decided(), proposal=proposal(), prefs=prefs, sms=True)

    assert sent(found) == [(EMAIL, "siti@dinkes.go.id"), (EMAIL, "inovasi@dinkes.go.id")]
    assert found[0].language == "en"


def test_unsubscribed_stops_non_essential_email_but_not_decisions() -> None:
    prefs = {"siti@dinkes.go.id": Preference("siti@dinkes.go.id", unsubscribed=True)}
    scored = {"proposal_id": "p-1", "round": "desk"}

    reminderish = messages_for("proposal.scored", scored, proposal=proposal(), prefs=prefs)
    decision = messages_for("proposal.rejected", decided(), proposal=proposal(), prefs=prefs)

    assert "siti@dinkes.go.id" not in {m.recipient for m in reminderish}
    assert "siti@dinkes.go.id" in {m.recipient for m in decision}


def test_email_switched_off_still_gets_essential_mail_and_sms_off_gets_no_sms() -> None:
    prefs = {"siti@dinkes.go.id": Preference("siti@dinkes.go.id", email=False, sms=False)}

    essential = messages_for(
        "proposal.rejected", decided(), proposal=proposal(), prefs=prefs, sms=True
    )
    optional = messages_for(
        "proposal.scored", {"proposal_id": "p-1"}, proposal=proposal(), prefs=prefs, sms=True
    )

    assert sent(essential)[:1] == [(EMAIL, "siti@dinkes.go.id")]
    assert (SMS, "+6281234567890") not in sent(essential)
    assert "siti@dinkes.go.id" not in {m.recipient for m in optional}


def test_only_an_agency_contact_who_asked_gets_the_digest() -> None:
    prefs = {
        "inovasi@dinkes.go.id": Preference("inovasi@dinkes.go.id", digest=True),
        "siti@dinkes.go.id": Preference("siti@dinkes.go.id", digest=True),
    }

    found = messages_for("proposal.rejected", decided(), proposal=proposal(), prefs=prefs)

    assert {m.recipient: m.digest for m in found} == {
        "siti@dinkes.go.id": False,
        "inovasi@dinkes.go.id": True,
    }


def test_links_are_added_where_configured() -> None:
    from services.notification.domain.recipients import Links

    found = messages_for(
        "proposal.awarded",
        decided(),
        proposal=proposal(),
        links=Links(portal_url="https://portal.example/", review_ui_url="https://review.example"),
    )

    assert found[0].context["portal_link"] == "https://portal.example/proposals/p-1"
    assert found[0].context["review_link"] == "https://review.example/proposals/p-1"


# -- quiet hours ----------------------------------------------------------------------------


def jakarta(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC) - JAKARTA


QUIET = QuietHours.parse("21:00-07:00")


@pytest.mark.parametrize(
    ("local", "deferred_to"),
    [
        (jakarta(20, 59), None),
        (jakarta(21, 0), jakarta(7, 0, day=3)),
        (jakarta(23, 30), jakarta(7, 0, day=3)),
        (jakarta(3, 0), jakarta(7, 0)),
        (jakarta(6, 59), jakarta(7, 0)),
        (jakarta(7, 0), None),
        (jakarta(12, 0), None),
    ],
)
def test_sms_in_quiet_hours_waits_for_the_morning_in_jakarta(
    local: datetime, deferred_to: datetime | None
) -> None:
    assert QUIET is not None
    assert QUIET.not_before(local, "Asia/Jakarta") == (deferred_to or local)


def test_quiet_hours_follow_the_recipients_time_zone() -> None:
    assert QUIET is not None
    at_noon_in_jakarta = jakarta(12, 0)  # 05:00 in Jayapura is 07:00 ... and 14:00 WIT
    assert QUIET.not_before(at_noon_in_jakarta, "Asia/Jayapura") == at_noon_in_jakarta
    late_in_jakarta = jakarta(19, 30)  # 21:30 in Jayapura (UTC+9)
    assert QUIET.not_before(late_in_jakarta, "Asia/Jayapura") == jakarta(5, 0, day=3)


def test_quiet_hours_within_one_day_and_none() -> None:
    lunch = QuietHours.parse("12:00-13:00")
    assert lunch is not None
    assert lunch.not_before(jakarta(12, 30), "Asia/Jakarta") == jakarta(13, 0)
    assert lunch.not_before(jakarta(13, 0), "Asia/Jakarta") == jakarta(13, 0)
    assert QuietHours.parse("") is None
    with pytest.raises(ValueError):
        QuietHours.parse("late")


def test_an_unknown_time_zone_means_jakarta() -> None:
    assert QUIET is not None
    assert QUIET.not_before(jakarta(23), "Mars/Olympus") == jakarta(7, 0, day=3)


# -- rate limit and digest hour -------------------------------------------------------------


def test_token_bucket_lets_a_burst_through_then_paces() -> None:
    bucket = TokenBucket(rate=10, capacity=2, now=0.0)

    assert bucket.wait_for_token(0.0) == 0
    assert bucket.wait_for_token(0.0) == 0
    assert bucket.wait_for_token(0.0) == pytest.approx(0.1)
    assert bucket.wait_for_token(0.1) == 0
    assert TokenBucket(rate=0).wait_for_token(0.0) == 0


def test_next_digest_time_is_the_next_local_hour() -> None:
    assert next_digest_time(jakarta(6, 0), time(7), "Asia/Jakarta") == jakarta(7, 0)
    assert next_digest_time(jakarta(7, 0), time(7), "Asia/Jakarta") == jakarta(7, 0, day=3)
    assert next_digest_time(jakarta(22, 0), time(7), "Asia/Jakarta") == jakarta(7, 0, day=3)


# -- GSM-7 ----------------------------------------------------------------------------------


def test_plain_text_is_gsm7_and_fits_160() -> None:
    assert gsm7.split("a" * 160) == gsm7.Segments(gsm7.GSM7, ("a" * 160,))
    assert gsm7.is_gsm7("Rp 1.000 @ 10% - ok? {é}")


def test_161_gsm7_characters_make_two_parts_of_153_and_8() -> None:
    parts = gsm7.split("a" * 161).parts
    assert [len(p) for p in parts] == [153, 8]


def test_extension_characters_count_twice_and_are_never_split() -> None:
    assert gsm7.length("€" * 80) == 160
    assert gsm7.split("€" * 80).count == 1
    # "aa" and 75 euros take 152 septets: the 76th euro (2 more) goes to the next part.
    parts = gsm7.split("aa" + "€" * 80).parts
    assert [gsm7.length(p) for p in parts] == [152, 10]
    assert parts[0].endswith("€") and "".join(parts) == "aa" + "€" * 80


def test_one_non_gsm_character_makes_it_ucs2_with_70_and_67() -> None:
    assert gsm7.split("ā" + "a" * 69).count == 1
    parts = gsm7.split("ā" + "a" * 70).parts
    assert gsm7.encoding("ā") == gsm7.UCS2
    assert [len(p) for p in parts] == [67, 4]


def test_an_emoji_is_two_code_units_and_is_never_split() -> None:
    text = "a" * 66 + "🙂" + "b"
    parts = gsm7.split(text + "c" * 10).parts
    assert parts[0] == "a" * 66  # the emoji would straddle the boundary
    assert parts[1].startswith("🙂")


def test_curly_quotes_and_dashes_are_made_plain() -> None:
    typographic = "\u201cPosyandu\u201d \u2013 \u2018digital\u2019\u2026"
    assert gsm7.plain(typographic) == "\"Posyandu\" - 'digital'..."
    assert gsm7.is_gsm7(gsm7.plain(typographic))


# -- tokens, masking, E.164 -----------------------------------------------------------------


def test_an_unsubscribe_token_names_its_address_and_cannot_be_forged() -> None:
    token = tokens.sign("secret", "siti@dinkes.go.id")

    assert tokens.verify("secret", token) == "siti@dinkes.go.id"
    assert tokens.verify("other secret", token) is None
    forged = tokens.sign("guess", "budi@dinkes.go.id")
    assert tokens.verify("secret", forged) is None
    assert tokens.verify("secret", "garbage") is None
    assert tokens.verify("secret", "") is None


def test_recipients_are_masked_in_events() -> None:
    assert mask("siti@dinkes.go.id") == "s***@dinkes.go.id"
    assert mask("+6281234567890") == "+62812*****890"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("081234567890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("(021) 3456789", "+62213456789"),
        ("+61 412 345 678", "+61412345678"),
    ],
)
def test_phone_numbers_become_e164_with_indonesia_as_the_default_region(
    raw: str, e164: str
) -> None:
    assert normalise_phone(raw) == e164


@pytest.mark.parametrize("raw", ["12", "not a number", "+62 1"])
def test_unusable_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError):
        normalise_phone(raw)
