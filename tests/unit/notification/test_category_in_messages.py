"""A decision in an award category names the category in the email and the SMS."""

from __future__ import annotations

import pytest

from services.notification.adapters.rendering import render_email, render_sms
from services.notification.domain import EMAIL, SMS, gsm7
from services.notification.domain.messages import Preference
from services.notification.domain.policy import ChannelPolicy
from services.notification.domain.recipients import Proposal, messages_for
from shared.events.catalog import spec_for
from tests.unit.notification import factories

PROPOSAL_ID = "5b0b3a0e-8a56-4a11-9f3a-4d2a4d2a4d2a"
INNOVATOR = "innovator1@dinkes.example.go.id"
NAMED = {"id": "kategori Pelayanan Publik", "en": "in the category Pelayanan Publik"}


def _loaded(event_type: str, title: str, **extra: object) -> dict[str, object]:
    schema = spec_for(event_type).schema()
    payload = {**factories.payload_for(event_type, PROPOSAL_ID, title), **extra}
    dumped: dict[str, object] = schema.dump(schema.load(payload))
    return dumped


def _innovator_messages(event_type: str, language: str, title: str, **extra: object) -> list:
    found = messages_for(
        event_type,
        _loaded(event_type, title, **extra),
        proposal=Proposal.from_submitted(_loaded("proposal.submitted", title)),
        reviewer=None,
        sms=True,
        whatsapp=False,
        default_instant=SMS,
        policy=ChannelPolicy.parse("agency:*=email+instant"),
        prefs={INNOVATOR: Preference(INNOVATOR, language=language)},
    )
    return [m for m in found if m.language == language]


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize(
    "event_type", ["proposal.shortlisted", "proposal.awarded", "proposal.not_awarded"]
)
def test_the_category_is_named_in_the_email(event_type: str, language: str) -> None:
    category = {"award_category": "pelayanan_publik", "award_category_name": "Pelayanan Publik"}
    found = _innovator_messages(event_type, language, "Posyandu Digital", **category)
    email = next(m for m in found if m.channel == EMAIL)

    rendered = render_email(email)

    assert NAMED[language] in rendered.text and NAMED[language] in rendered.html
    without = _innovator_messages(event_type, language, "Posyandu Digital")
    assert (
        "Pelayanan Publik" not in render_email(next(m for m in without if m.channel == EMAIL)).text
    )


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("event_type", ["proposal.shortlisted", "proposal.awarded"])
def test_the_category_is_named_in_one_sms_even_beside_a_long_title(
    event_type: str, language: str
) -> None:
    category = {"award_category": "pelayanan_publik", "award_category_name": "Pelayanan Publik"}
    found = _innovator_messages(event_type, language, "Posyandu Digital " * 10, **category)
    sms = [m for m in found if m.channel == SMS]
    assert sms

    for message in sms:
        text = render_sms(message)
        assert NAMED[language] in text
        assert gsm7.split(text).count == 1, text
