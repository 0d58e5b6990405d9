"""Every event type renders in both languages on every channel; hostile text stays harmless."""

from __future__ import annotations

import pytest
from marshmallow import Schema

from services.notification.adapters.rendering import (
    WHATSAPP_PARAMETERS,
    render_email,
    render_sms,
    render_whatsapp,
    whatsapp_text,
    without_privacy_link,
)
from services.notification.domain import EMAIL, SMS, gsm7
from services.notification.domain.messages import OBJECTOR, WHATSAPP, Message, Person
from services.notification.domain.policy import ChannelPolicy
from services.notification.domain.recipients import (
    OBJECTION_EVENTS,
    RULES,
    Proposal,
    messages_for,
)
from shared.events.catalog import spec_for
from shared.platform.text import BIDI_CONTROLS
from tests.unit.notification import factories

PROPOSAL_ID = "5b0b3a0e-8a56-4a11-9f3a-4d2a4d2a4d2a"
# A city's notification service at a realistic length (a short link would only help).
NOTICE = "https://notifikasi.inovasi.example.go.id/privasi"
HOSTILE = '<script>alert("x")</script>\r\nBcc: victim@example.org & <b>'


def loaded(event_type: str, title: str) -> dict[str, object]:
    schema: Schema = spec_for(event_type).schema()
    result: dict[str, object] = schema.dump(
        schema.load(factories.payload_for(event_type, PROPOSAL_ID, title))
    )
    return result


# Every role on both kinds of channel, so that every instant template is rendered.
EVERYTHING = ChannelPolicy.parse("reviewer:*=email+instant; agency:*=email+instant")


def messages(
    event_type: str, language: str, title: str = "Posyandu Digital", instant: str = SMS
) -> list[Message]:
    submitted = loaded("proposal.submitted", title)
    proposal = Proposal.from_submitted(submitted)
    payload = loaded(event_type, title)
    from services.notification.domain.messages import Preference

    reviewer = Person("reviewer", "Dr. Ratna", "ratna@univ.example.ac.id", "+6281311112222")
    found = messages_for(
        event_type,
        payload,
        proposal=proposal,
        reviewer=reviewer,
        sms=True,
        whatsapp=True,
        default_instant=instant,
        policy=EVERYTHING,
        prefs={
            a: Preference(a, language=language)
            for a in (
                "innovator1@dinkes.example.go.id",
                "ratna@univ.example.ac.id",
                "inovasi@dinkes.example.go.id",
            )
        },
    )
    assert found, f"{event_type} reaches nobody"
    return found


# The objector is reached by email only (the event carries no phone): below, on its own.
EVENT_TYPES = sorted(set(RULES) - OBJECTION_EVENTS)


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("event_type", sorted(OBJECTION_EVENTS))
def test_the_objector_gets_an_email_in_their_language_with_hostile_text_escaped(
    event_type: str, language: str
) -> None:
    payload = loaded(event_type, HOSTILE)
    objector = Person(OBJECTOR, "Warga <Peduli>", "warga@example.org", language=language)
    found = messages_for(event_type, payload, proposal=None, reviewer=objector, sms=True)
    assert [(m.channel, m.recipient, m.language) for m in found] == [
        (EMAIL, "warga@example.org", language)
    ]
    rendered = render_email(found[0])
    assert "\n" not in rendered.subject and "\r" not in rendered.subject
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    greeting = "Yth." if language == "id" else "Dear"
    assert rendered.text.startswith(f"{greeting} Warga <Peduli>,")
    assert "ob-1" in rendered.text
    if event_type == "objection.answered":
        assert "Sudah diverifikasi <di lapangan>." in rendered.text
        assert "&lt;di lapangan&gt;" in rendered.html


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_event_type_renders_email_and_sms_in_both_languages(
    event_type: str, language: str
) -> None:
    found = messages(event_type, language)
    channels = {m.channel for m in found}
    assert EMAIL in channels and SMS in channels
    for message in found:
        assert message.language == language
        if message.channel == EMAIL:
            rendered = render_email(message)
            assert "Posyandu Digital" in rendered.subject
            assert "Posyandu Digital" in rendered.text
            assert "<strong>Posyandu Digital</strong>" in rendered.html
            assert f'<html lang="{language}">' in rendered.html
            greeting = "Yth." if language == "id" else "Dear"
            assert rendered.text.startswith(f"{greeting} {message.recipient_name},")
        else:
            text = render_sms(message, NOTICE)
            assert "Posyandu Digital" in text
            label = "Privasi" if language == "id" else "Privacy"
            assert text.endswith(f" {label}: notifikasi.inovasi.example.go.id/privasi"), text
            assert gsm7.split(text).count == 1, text
            assert gsm7.is_gsm7(text)


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_event_type_renders_a_whatsapp_template_in_both_languages(
    event_type: str, language: str
) -> None:
    found = [m for m in messages(event_type, language, instant=WHATSAPP) if m.channel != EMAIL]
    assert found and {m.channel for m in found} == {WHATSAPP}
    for message in found:
        rendered = render_whatsapp(message, NOTICE)
        assert rendered.name == f"inagara_{message.template}"
        assert rendered.language == language
        assert rendered.parameters[-1] == NOTICE
        label = "Pemberitahuan privasi" if language == "id" else "Privacy notice"
        assert f"{label}: {NOTICE}." in rendered.text
        assert "Posyandu Digital" in rendered.parameters
        assert message.recipient_name in rendered.parameters
        assert "Posyandu Digital" in rendered.text and "{{" not in rendered.text
        greeting = "Yth." if language == "id" else "Dear"
        assert rendered.text.startswith(f"{greeting} {message.recipient_name},")


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_whatsapp_template_has_as_many_placeholders_as_parameters(language: str) -> None:
    for template, names in WHATSAPP_PARAMETERS.items():
        values = tuple(f"<{name}>" for name in names)
        text = whatsapp_text(template, language, values)
        assert all(v in text for v in values), template


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_revision_request_lists_its_reasons_and_escapes_the_feedback(language: str) -> None:
    [email, *_] = messages("proposal.revision_requested", language)

    rendered = render_email(email)

    assert email.essential
    assert "- missing evidence" in rendered.text
    assert "<li>missing evidence</li>" in rendered.html
    assert "Lengkapi bukti <dokumen>" in rendered.text
    assert "Lengkapi bukti &lt;dokumen&gt;" in rendered.html


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_a_hostile_title_is_escaped_in_html_and_cannot_break_the_subject(
    event_type: str, language: str
) -> None:
    for message in messages(event_type, language, title=HOSTILE):
        if message.channel == EMAIL:
            rendered = render_email(message)
            assert "<script>" not in rendered.html
            assert "&lt;script&gt;" in rendered.html
            assert "<b>" not in rendered.html.replace("<body", "")
            assert "\r" not in rendered.subject and "\n" not in rendered.subject
            assert "Bcc: victim@example.org" in rendered.subject  # as text, on one line
        elif message.channel == SMS:
            text = render_sms(message)
            assert "\n" not in text and "\r" not in text


def test_a_long_title_is_shortened_to_keep_the_sms_in_one_part() -> None:
    [sms] = [
        m
        for m in messages("proposal.submitted", "id", title=("Judul " * 40)[:200])
        if m.channel == SMS and m.role == "innovator"
    ]

    text = render_sms(sms, NOTICE)

    assert gsm7.split(text).count == 1
    assert '..." telah diterima' in text
    assert text.endswith("Privasi: notifikasi.inovasi.example.go.id/privasi")


def test_a_title_in_another_script_still_renders_and_is_split_correctly() -> None:
    [sms] = [
        m
        for m in messages("proposal.awarded", "en", title=("ꦥꦺꦴꦱꦾꦤ꧀ꦝꦸ " * 12)[:200])
        if m.channel == SMS and m.role == "innovator"
    ]

    text = render_sms(sms)
    segments = gsm7.split(text)

    assert segments.encoding == gsm7.UCS2
    assert "".join(segments.parts) == text
    assert all(len(part) <= 67 for part in segments.parts)


def test_non_essential_email_carries_the_unsubscribe_link_in_both_parts() -> None:
    [email] = [m for m in messages("review.reminder_due", "id") if m.channel == EMAIL]
    assert not email.essential

    rendered = render_email(email, {"unsubscribe_url": "https://x.example/unsubscribe?token=a&b"})

    assert "https://x.example/unsubscribe?token=a&b" in rendered.text
    assert 'href="https://x.example/unsubscribe?token=a&amp;b"' in rendered.html


def test_missing_context_fails_loudly() -> None:
    [email, *_] = messages("proposal.submitted", "id")
    broken = Message(**{**email.__dict__, "context": {"title": "T"}})

    with pytest.raises(Exception, match="undefined"):
        render_email(broken)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_bidi_controls_are_not_shown_in_emails_or_sms(event_type: str) -> None:
    """``Laporan\u202egnp.exe`` would read as ``Laporanexe.png`` in a mail client."""
    for message in messages(event_type, "id", title="Laporan\u202egnp.exe"):
        if message.channel == EMAIL:
            rendered = render_email(message)
            shown = [rendered.subject, rendered.text, rendered.html]
        else:
            shown = [render_sms(message)]
        for text in shown:
            assert "Laporangnp.exe" in text, text
            assert not BIDI_CONTROLS.search(text), text


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_privacy_link_ends_every_sms_and_a_digest_names_texts_without_it(
    language: str,
) -> None:
    for event_type in EVENT_TYPES:
        for message in messages(event_type, language):
            if message.channel != SMS:
                continue
            with_link = render_sms(message, NOTICE)
            assert without_privacy_link(with_link) == render_sms(message)
            assert with_link.startswith(render_sms(message))
