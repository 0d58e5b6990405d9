"""A finalist's presentation and field visit reach the innovators (email and an instant
message), the agency contact (email) and the panel reviewers it names (email), in each
one's language and time zone; the day-before reminder reaches the innovators and the
contact; and the event is recorded through the real recording use case."""

from __future__ import annotations

import pytest

from services.notification.adapters.rendering import render_email, render_sms, render_whatsapp
from services.notification.domain import EMAIL, SMS
from services.notification.domain.messages import REVIEWER, WHATSAPP, Person, Preference
from services.notification.domain.recipients import SILENT, Proposal, messages_for
from services.notification.usecases.recording import Recorder, record_deliveries
from shared.events.catalog import spec_for
from tests.unit.notification import factories
from tests.unit.notification.fakes import FakeNotificationWork

PROPOSAL_ID = "5b0b3a0e-8a56-4a11-9f3a-4d2a4d2a4d2a"
INNOVATOR = "innovator1@dinkes.example.go.id"
PANEL = Person(REVIEWER, "Dr. Ratna", "ratna@univ.example.ac.id", None, "en")


def _loaded(event_type: str, payload: dict[str, object]) -> dict[str, object]:
    schema = spec_for(event_type).schema()
    dumped: dict[str, object] = schema.dump(schema.load(payload))
    return dumped


def _proposal() -> Proposal:
    return Proposal.from_submitted(
        _loaded("proposal.submitted", factories.payload_for("proposal.submitted", PROPOSAL_ID))
    )


def _messages(event_type: str, **changes: object) -> list:
    kind = "presentation" if "presentation" in event_type else "visit"
    payload = _loaded(event_type, factories.appointment(PROPOSAL_ID, kind, **changes))
    return messages_for(
        event_type,
        payload,
        proposal=_proposal(),
        panel=[PANEL],
        sms=True,
        whatsapp=True,
        default_instant=SMS,
        prefs={INNOVATOR: Preference(INNOVATOR, language="id")},
    )


def test_a_scheduled_visit_reaches_innovators_contact_and_its_team_reviewers() -> None:
    found = _messages("proposal.visit_scheduled")
    by_role = {(m.role, m.channel) for m in found}

    assert ("innovator", EMAIL) in by_role and ("innovator", SMS) in by_role
    assert ("agency", EMAIL) in by_role
    assert ("reviewer", EMAIL) in by_role, "the panel gets its schedule"
    assert ("reviewer", SMS) not in by_role and ("reviewer", WHATSAPP) not in by_role
    email = next(m for m in found if m.recipient == INNOVATOR and m.channel == EMAIL)
    rendered = render_email(email)
    assert rendered.subject == "Kunjungan lapangan dijadwalkan: Posyandu Digital"
    assert "Jl. Suroyo 1, Probolinggo" in rendered.text
    assert "Dr. Ratna, Ibu Sari" in rendered.text
    # The programme's zone, the Indonesian way: 10:00 UTC is 17.00 WIB.
    assert "Senin, 9 Maret 2026 pukul 17.00 WIB" in rendered.text
    panel_mail = render_email(next(m for m in found if m.role == "reviewer"))
    assert panel_mail.subject == "The field visit scheduled: Posyandu Digital"
    assert "Monday, 9 March 2026" in panel_mail.text


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_cancelled_presentation_says_so_in_every_channel(language: str) -> None:
    found = [
        m
        for m in _messages("proposal.presentation_scheduled", change="cancelled", revision=3)
        if m.language == language and m.role != "reviewer"
    ]
    word = {"id": "dibatalkan", "en": "cancelled"}[language]
    for message in found:
        if message.channel == EMAIL:
            text = render_email(message).text
            assert word in text and "Aula Bappeda" not in text
        elif message.channel == SMS:
            assert word in render_sms(message)
        else:
            assert word in render_whatsapp(message).text


def test_the_reminder_goes_to_innovators_and_contact_but_not_the_panel() -> None:
    found = _messages("proposal.appointment_reminder_due")

    assert {m.role for m in found} == {"innovator", "agency"}
    sms = next(m for m in found if m.channel == SMS and m.language == "id")
    assert render_sms(sms).startswith("Inagara: pengingat, kunjungan lapangan usulan")
    whatsapp = render_whatsapp(sms.__class__(**{**sms.__dict__, "channel": WHATSAPP}))
    assert "pengingat" in whatsapp.text and "17.00 WIB" in whatsapp.text


def test_the_visit_outcome_tells_nobody() -> None:
    assert "proposal.visit_recorded" in SILENT


def test_recording_finds_the_panel_by_the_ids_the_event_names() -> None:
    uow = FakeNotificationWork()
    submitted = factories.event(
        "proposal.submitted", factories.payload_for("proposal.submitted", PROPOSAL_ID)
    )
    assigned = factories.event(
        "review.assigned", factories.payload_for("review.assigned", PROPOSAL_ID)
    )
    visit = factories.event("proposal.visit_scheduled", factories.appointment(PROPOSAL_ID, "visit"))
    for event in (submitted, assigned, visit):
        record_deliveries(event, Recorder(), uow)

    to_panel = [
        d for d in uow.deliveries.rows.values() if d["event_type"] == "proposal.visit_scheduled"
    ]
    assert "ratna@univ.example.ac.id" in {d["recipient"] for d in to_panel}
