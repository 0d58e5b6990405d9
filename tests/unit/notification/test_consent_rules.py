"""The lawful basis for instant messages (docs/PRIVACY.md, "Consent"), pure rules."""

from __future__ import annotations

from services.notification.domain.messages import (
    AGENCY,
    INNOVATOR,
    REVIEWER,
    SMS,
    Person,
    Preference,
    suppression_key,
)
from services.notification.domain.recipients import (
    CONSENT,
    OWN_PREFERENCE,
    Proposal,
    instant_basis,
    messages_for,
)
from services.submission.store.subject_keys import Subject
from services.submission.usecases.events import sealed_profile
from shared.events import sealing
from tests.unit.notification import factories


def person(role: str = INNOVATOR, basis: str | None = None) -> Person:
    return Person(role, "Siti", "siti@x.id", "+6281234560001", instant_basis=basis)


def test_a_basis_is_consent_or_the_recipients_own_choice() -> None:
    assert instant_basis(person(basis=CONSENT), ()) == CONSENT
    assert instant_basis(person(), (None, Preference("siti@x.id", instant=SMS))) == OWN_PREFERENCE
    assert instant_basis(person(), (Preference("+6281234560001"),)) is None
    assert instant_basis(person(REVIEWER), ()) == OWN_PREFERENCE
    assert instant_basis(person(AGENCY), ()) == OWN_PREFERENCE


def test_consent_in_the_submission_is_the_innovators_basis() -> None:
    payload = factories.submitted(
        innovators=[
            factories.innovator(1, instant_consent_at="2026-02-27T09:00:00+07:00"),
            factories.innovator(2),
        ]
    )
    proposal = Proposal.from_submitted(payload)
    assert [p.instant_basis for p in proposal.innovators] == [CONSENT, None]

    withheld = {
        m.recipient: m.withheld
        for m in messages_for(
            "proposal.submitted", payload, proposal=proposal, sms=True, require_basis=True
        )
        if m.channel == SMS
    }
    first, second = (p.phone for p in proposal.innovators)
    assert withheld[first] is None
    assert withheld[second] and "no lawful basis" in withheld[second]
    assert not any(
        m.withheld for m in messages_for("proposal.submitted", payload, proposal=proposal, sms=True)
    )


def test_the_consent_travels_outside_the_seal() -> None:
    key = sealing.new_key()
    profile = {
        "innovators": [
            {
                "name": "Siti",
                "email": "Siti@x.id",
                "phone": "+6281234560001",
                "instant_consent_at": "2026-02-27T09:00:00+07:00",
            }
        ]
    }
    [sealed] = sealed_profile(profile, lambda email, phone: Subject("s-1", key))["innovators"]
    assert sealed["instant_consent_at"] == "2026-02-27T09:00:00+07:00"
    assert "Siti" not in sealed["sealed"]


def test_an_unsubscribe_is_remembered_by_a_hash_of_the_address() -> None:
    key = suppression_key(" Siti@X.id ")
    assert key == suppression_key("siti@x.id") and len(key) == 64 and "siti" not in key
