"""Renders messages from the Jinja2 templates in ``templates/`` (HTML autoescaped).

``templates/email/<template>.<language>.{subject.txt,txt,html}``,
``templates/sms/<template>.<language>.txt`` and
``templates/whatsapp/<template>.<language>.txt``; the email layouts hold the
greeting, the signature and the unsubscribe link.

A WhatsApp business-initiated message is a template the provider approved
beforehand (its text, with ``{{1}}``, ``{{2}}``... for the parameters, is the one in
``templates/whatsapp/``, registered as ``inagara_<template>``): the message carries
only the template's name, its language and the parameters' values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from services.notification.domain import gsm7
from services.notification.domain.messages import Message
from shared.platform.privacy_notice import short_link
from shared.platform.text import without_bidi_controls

LABELS: dict[str, dict[str, str]] = {
    "id": {
        "greeting": "Yth. {name},",
        "signoff": "Salam,",
        "signature": "Sekretariat Inovasi Daerah",
        "unsubscribe_label": "Berhenti menerima email pemberitahuan seperti ini",
        "privacy_label": "Pemberitahuan privasi",
    },
    "en": {
        "greeting": "Dear {name},",
        "signoff": "Regards,",
        "signature": "Regional Innovation Secretariat",
        "unsubscribe_label": "Stop notification emails like this one",
        "privacy_label": "Privacy notice",
    },
}
# A title shorter than this is not worth cutting further to save an SMS part.
MIN_SMS_TITLE = 24
# The privacy notice at the end of every SMS (docs/PRIVACY.md, "Consent").
SMS_PRIVACY = {"id": "Privasi: {link}", "en": "Privacy: {link}"}
_SMS_PRIVACY_TAIL = re.compile(r"\s+(?:Privasi|Privacy): \S+$")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("services.notification", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        finalize=without_bidi_controls,  # ‮ would turn "gnp.exe" into "exe.png"
    )


def one_line(text: str) -> str:
    """Whitespace (CR, LF, tabs) folded to single spaces: a title cannot add a header."""
    return " ".join(text.split())


def render_email(message: Message, extra: Mapping[str, Any] | None = None) -> RenderedEmail:
    """Raises jinja2's ``UndefinedError`` when the context lacks a variable."""
    env = _environment()
    base = f"email/{message.template}.{message.language}"
    context: dict[str, Any] = {
        "unsubscribe_url": "",
        "privacy_url": "",
        **message.context,
        **(extra or {}),
    }
    subject = one_line(env.get_template(f"{base}.subject.txt").render(context))
    labels = LABELS[message.language]
    context.update(
        labels,
        greeting=labels["greeting"].format(name=message.recipient_name),
        language=message.language,
        subject=subject,
    )
    return RenderedEmail(
        subject=subject,
        text=env.get_template(f"{base}.txt").render(context),
        html=env.get_template(f"{base}.html").render(context),
    )


def _sms(message: Message, title: str, privacy_url: str) -> str:
    template = _environment().get_template(f"sms/{message.template}.{message.language}.txt")
    text = gsm7.plain(one_line(template.render({**message.context, "title": title})))
    if privacy_url:
        text = f"{text} {SMS_PRIVACY[message.language].format(link=short_link(privacy_url))}"
    return text


def render_sms(message: Message, privacy_url: str = "") -> str:
    """The SMS text, ending with the link to the privacy notice when there is one; its
    title shortened (with "...") until the whole fits in one SMS if it can."""
    title = one_line(str(message.context.get("title", "")))
    text = _sms(message, title, privacy_url)
    while gsm7.split(text).count > 1 and len(title) > MIN_SMS_TITLE:
        title = title[: max(MIN_SMS_TITLE, len(title) - 8) - 3].rstrip() + "..."
        text = _sms(message, title, privacy_url)
    return text


def without_privacy_link(sms_text: str) -> str:
    """An SMS text without its privacy link (a digest names several texts, one link)."""
    return _SMS_PRIVACY_TAIL.sub("", sms_text)


# The parameters of each WhatsApp template, in order ({{1}}, {{2}}, ...); the last is the
# link to the privacy notice, which Meta's approved texts cannot hold as a fixed text
# (it is each deployment's own URL).
WHATSAPP_PARAMETERS: dict[str, tuple[str, ...]] = {
    "proposal_submitted": ("name", "title", "proposal_no", "privacy_url"),
    "proposal_resubmitted": ("name", "title", "version", "privacy_url"),
    "review_assigned": ("name", "title", "deadline_local", "privacy_url"),
    "review_reminder_due": ("name", "title", "deadline_local", "privacy_url"),
    "digest": ("name", "count", "items", "privacy_url"),
    "proposal_presentation_scheduled": (
        "name",
        "title",
        "change_word",
        "starts_local",
        "privacy_url",
    ),
    "proposal_visit_scheduled": ("name", "title", "change_word", "starts_local", "privacy_url"),
    "proposal_appointment_reminder_due": (
        "name",
        "step_word",
        "title",
        "starts_local",
        "privacy_url",
    ),
    **{
        template: ("name", "title", "privacy_url")
        for template in (
            "proposal_withdrawn",
            "proposal_revision_requested",
            "proposal_scored",
            "proposal_rejected",
            "proposal_shortlisted",
            "proposal_awarded",
            "proposal_not_awarded",
            "review_submitted",
        )
    },
}
WHATSAPP_PREFIX = "inagara_"
# The provider refuses parameters with new lines or tabs, and longer than this.
MAX_PARAMETER = 1024
_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")


@dataclass(frozen=True)
class RenderedWhatsApp:
    name: str  # the approved template's name at the provider
    language: str
    parameters: tuple[str, ...]
    text: str  # what the recipient reads: the template filled in


def whatsapp_text(template: str, language: str, parameters: tuple[str, ...] | list[str]) -> str:
    """The text of ``templates/whatsapp/<template>.<language>.txt`` with its parameters."""
    source = _environment().loader
    assert source is not None
    body, _, _ = source.get_source(_environment(), f"whatsapp/{template}.{language}.txt")
    return _PLACEHOLDER.sub(lambda m: parameters[int(m.group(1)) - 1], body.strip())


def render_whatsapp(message: Message, privacy_url: str = "") -> RenderedWhatsApp:
    """Raises ``KeyError`` when the context lacks a parameter of the template."""
    context = {"privacy_url": privacy_url, **message.context, "name": message.recipient_name}
    if "proposal_id" in context:
        context.setdefault("proposal_no", str(context["proposal_id"])[:8])
    parameters = tuple(
        without_bidi_controls(one_line(str(context[key])))[:MAX_PARAMETER]
        for key in WHATSAPP_PARAMETERS[message.template]
    )
    return RenderedWhatsApp(
        name=f"{WHATSAPP_PREFIX}{message.template}",
        language=message.language,
        parameters=parameters,
        text=whatsapp_text(message.template, message.language, parameters),
    )
