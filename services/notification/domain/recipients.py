"""Which event reaches whom: recipients, templates, context and essentiality.

Innovators hear about every step of their proposal that concerns them:
received, withdrawn, revision needed, assessed, decided; the agency's contact
hears about the review's steps (not about its own submission or withdrawal,
which the portal already confirmed), daily in one digest if it asked for that;
reviewers hear about their assignments and reminders and get a receipt for a
review. On which channels is the channel policy's (``policy.py``): email, and
an instant message (WhatsApp or SMS, the recipient's preferred one) where one
is configured.

Essential messages (confirmations, decisions, assignments) ignore an
unsubscribe; the rest carry an unsubscribe link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from services.notification.domain.messages import (
    AGENCY,
    DEFAULT_LANGUAGE,
    EMAIL,
    INNOVATOR,
    LANGUAGES,
    SMS,
    WHATSAPP,
    Message,
    Person,
    Preference,
    normalise_email,
)
from services.notification.domain.policy import (
    DEFAULT_POLICY,
    INSTANT_KIND,
    ChannelPolicy,
    instant_channel,
)
from shared.platform import formats

# The event types (the catalog in shared/ names the same strings; a unit test
# checks that every one of them has a rule or is deliberately silent).
SUBMITTED, RESUBMITTED, WITHDRAWN = (
    "proposal.submitted",
    "proposal.resubmitted",
    "proposal.withdrawn",
)
SCREENED, SCORED, REVISION_REQUESTED = (
    "proposal.screened",
    "proposal.scored",
    "proposal.revision_requested",
)
REJECTED, SHORTLISTED, AWARDED, NOT_AWARDED = (
    "proposal.rejected",
    "proposal.shortlisted",
    "proposal.awarded",
    "proposal.not_awarded",
)
ASSIGNED, REVIEW_SUBMITTED, REMINDER_DUE = (
    "review.assigned",
    "review.submitted",
    "review.reminder_due",
)
# A finalist's presentation and field visit: scheduled, rescheduled or cancelled (one type
# per step, ``change`` says which), and reminded the day before.
PRESENTATION_SCHEDULED, VISIT_SCHEDULED, APPOINTMENT_REMINDER_DUE = (
    "proposal.presentation_scheduled",
    "proposal.visit_scheduled",
    "proposal.appointment_reminder_due",
)
APPOINTMENTS = frozenset({PRESENTATION_SCHEDULED, VISIT_SCHEDULED, APPOINTMENT_REMINDER_DUE})
# The public objection window: the objector gets a receipt and the answer (their name and
# email sealed in the event under their own key, opened with the review service's key).
OBJECTION_FILED, OBJECTION_ANSWERED = "objection.filed", "objection.answered"
OBJECTION_EVENTS = frozenset({OBJECTION_FILED, OBJECTION_ANSWERED})
# Nobody to tell: a cycle's dates concern no proposal yet; the outcome events are
# this service's own; and screening is the secretariat's completeness check: a
# pass changes nothing anyone has to do (the confirmation already went out), a
# failure is followed by proposal.revision_requested, which carries the reasons
# and is the message people act on (one message, not two, for one problem).
# subject.erased sends nothing either: it makes this service forget a person
# (usecases/erasure.py); the person was told before the erasure, not after, by
# subject.erasure_requested, which has its own handler (usecases/erasure.py: the
# subject's address is in the projection, not in the event).
# An export sends nothing either: this service answers with its part
# (usecases/export.py), and the answers are the services' own messages to the
# submission service.
# proposal.visit_recorded (the field visit's outcome) is the secretariat's record: the
# decision that follows it (the award, or not) is what people hear about.
# agency.registered / agency.updated keep the review service's copy of the register;
# the agency registered itself (or its operator did) and learns nothing from a message.
SILENT = frozenset(
    {
        "agency.registered",
        "agency.updated",
        "cycle.scheduled",
        SCREENED,
        "notification.delivered",
        "notification.failed",
        "subject.erased",
        "subject.erasure_requested",
        # The review service erased an objector: its own handler forgets their deliveries.
        "objector.erased",
        # Its own handler (usecases/erasure.py) tells the objector before the erasure.
        "objector.erasure_requested",
        "proposal.retained",
        "subject.export_requested",
        "review.subject_exported",
        "notification.subject_exported",
        # A person-wide request reaching the objectors: the review service answers and
        # erases; the person is told of an erasure through subject.erasure_requested. Its
        # own handler (usecases/export.py) answers this service's part for each objector.
        "review.objectors_exported",
        "person.erasure_requested",
        "proposal.visit_recorded",
        # The public record of a cycle (land's publication events) names nobody to tell
        # here; the innovators heard of each decision already.
        "cycle.shortlist_published",
        "cycle.results_published",
        # The agency did these itself; the reviewers see an addendum on the proposal page,
        # and a reopened proposal's reviewers are deliberately not told again.
        "proposal.reopened",
        "proposal.addendum_added",
        # Its own use case writes it: an agency's contact, from the event (no proposal).
        "agency.participation_reminder_due",
    }
)

INNOVATORS, CONTACT, THE_REVIEWER, THE_OBJECTOR = "innovators", "agency", "reviewer", "objector"
PANEL = "panel"  # the reviewers an appointment names by id (its ``reviewer_ids``)


@dataclass(frozen=True)
class Rule:
    audience: tuple[str, ...]
    essential: bool


RULES: dict[str, Rule] = {
    SUBMITTED: Rule((INNOVATORS,), True),
    RESUBMITTED: Rule((INNOVATORS,), True),
    WITHDRAWN: Rule((INNOVATORS,), True),
    SCORED: Rule((INNOVATORS, CONTACT), False),
    REVISION_REQUESTED: Rule((INNOVATORS, CONTACT), True),
    REJECTED: Rule((INNOVATORS, CONTACT), True),
    SHORTLISTED: Rule((INNOVATORS, CONTACT), True),
    AWARDED: Rule((INNOVATORS, CONTACT), True),
    NOT_AWARDED: Rule((INNOVATORS, CONTACT), True),
    ASSIGNED: Rule((THE_REVIEWER,), True),
    REVIEW_SUBMITTED: Rule((THE_REVIEWER,), False),
    REMINDER_DUE: Rule((THE_REVIEWER,), False),
    PRESENTATION_SCHEDULED: Rule((INNOVATORS, CONTACT, PANEL), True),
    VISIT_SCHEDULED: Rule((INNOVATORS, CONTACT, PANEL), True),
    APPOINTMENT_REMINDER_DUE: Rule((INNOVATORS, CONTACT), False),
    OBJECTION_FILED: Rule((THE_OBJECTOR,), True),
    OBJECTION_ANSWERED: Rule((THE_OBJECTOR,), True),
}
# Events that say nothing about the proposal's people: they need the projection.
# (review.assigned and review.reminder_due name the reviewer and the title themselves.)
NEEDS_PROPOSAL = (
    frozenset(RULES) - {SUBMITTED, RESUBMITTED, ASSIGNED, REMINDER_DUE} - OBJECTION_EVENTS
)


@dataclass(frozen=True)
class Proposal:
    """The notification service's own view of a proposal, from its proposal events."""

    proposal_id: str
    version: int
    title: str
    agency_name: str
    contact_email: str | None
    contact_phone: str | None
    innovators: tuple[Person, ...]
    agency_id: str | None = None  # whose webhook endpoints hear about it

    @classmethod
    def from_submitted(cls, payload: Mapping[str, Any]) -> Proposal:
        profile, agency = payload["profile"], payload["agency"]
        return cls(
            proposal_id=payload["proposal_id"],
            version=payload["version"],
            title=profile["title"],
            agency_name=agency["name"],
            contact_email=normalise_email(agency["contact_email"])
            if agency.get("contact_email")
            else None,
            contact_phone=agency.get("contact_phone") or None,
            innovators=tuple(
                Person(
                    INNOVATOR,
                    i["name"],
                    normalise_email(i["email"]),
                    i.get("phone") or None,
                    instant=i.get("instant_channel") or None,
                    subject=i.get("subject") or None,
                    instant_basis=CONSENT if i.get("instant_consent_at") else None,
                )
                for i in profile["innovators"]
            ),
            agency_id=agency["id"],
        )


# How a scheduled step and its change read in a message (WhatsApp templates take them as
# parameters; the email and SMS templates read them too).
STEP_WORDS: dict[str, dict[str, str]] = {
    "id": {
        "scheduled": "dijadwalkan",
        "rescheduled": "dijadwalkan ulang",
        "cancelled": "dibatalkan",
        "presentation": "presentasi",
        "visit": "kunjungan lapangan",
    },
    "en": {
        "scheduled": "scheduled",
        "rescheduled": "rescheduled",
        "cancelled": "cancelled",
        "presentation": "presentation",
        "visit": "field visit",
    },
}


@dataclass(frozen=True)
class Links:
    portal_url: str = ""
    review_ui_url: str = ""


def template_for(event_type: str) -> str:
    return event_type.replace(".", "_")


def _local(moment: Any, time_zone: str, language: str = "id") -> str:
    """ "Senin, 9 Maret 2026 pukul 17.00 WIB" in the recipient's zone and language."""
    if not moment:
        return ""
    when = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment))
    return formats.format_datetime(when, language, time_zone)


def _context(payload: Mapping[str, Any], proposal: Proposal | None, links: Links) -> dict[str, Any]:
    proposal_id = payload["proposal_id"]
    context: dict[str, Any] = {
        **{k: v for k, v in payload.items() if isinstance(v, str | int | float | bool | list)},
        "proposal_id": proposal_id,
        "title": payload.get("title") or (proposal.title if proposal else ""),
        "agency_name": proposal.agency_name if proposal else "",
        "portal_link": f"{links.portal_url.rstrip('/')}/proposals/{proposal_id}"
        if links.portal_url
        else "",
        "review_link": f"{links.review_ui_url.rstrip('/')}/proposals/{proposal_id}"
        if links.review_ui_url
        else "",
    }
    for key in ("reasons", "note", "feedback", "award", "rank", "reason", "award_category_name"):
        context.setdefault(key, payload.get(key) or ([] if key == "reasons" else ""))
    for key in ("kind", "change", "place", "online_url", "address", "duration_minutes"):
        context[key] = payload.get(key) or ""
    context["team_names"] = ", ".join(m["name"] for m in payload.get("team") or [])
    return context


def _people(
    rule: Rule, proposal: Proposal | None, reviewer: Person | None, panel: Sequence[Person] = ()
) -> list[Person]:
    people: list[Person] = []
    if INNOVATORS in rule.audience and proposal:
        people.extend(proposal.innovators)
    if CONTACT in rule.audience and proposal and proposal.contact_email:
        people.append(
            Person(AGENCY, proposal.agency_name, proposal.contact_email, proposal.contact_phone)
        )
    if (THE_REVIEWER in rule.audience or THE_OBJECTOR in rule.audience) and reviewer:
        people.append(reviewer)  # the reviewer, or the objector, the event names
    if PANEL in rule.audience:
        people.extend(panel)
    return people


def _preference(person: Person, prefs: Mapping[str, Preference]) -> Preference | None:
    """A person's preference, looked up by their email first, then their phone."""
    for address in (person.email, person.phone):
        if address and address in prefs:
            return prefs[address]
    return None


def _language(person: Person, pref: Preference | None) -> str:
    for choice in (pref.language if pref else None, person.language):
        if choice in LANGUAGES:
            return choice
    return DEFAULT_LANGUAGE


def messages_for(
    event_type: str,
    payload: Mapping[str, Any],
    *,
    proposal: Proposal | None,
    reviewer: Person | None = None,
    panel: Sequence[Person] = (),
    prefs: Mapping[str, Preference] | None = None,
    links: Links = Links(),
    sms: bool = False,
    whatsapp: bool = False,
    policy: ChannelPolicy = DEFAULT_POLICY,
    default_instant: str = WHATSAPP,
    require_basis: bool = False,
) -> list[Message]:
    """Every message one event causes; one per (channel, recipient) however often they appear.

    ``sms`` and ``whatsapp`` say whether an SMS gateway and the WhatsApp API are
    configured at all; ``panel``: the reviewers a scheduled presentation or visit names
    (found by id in the projection); ``default_instant`` is the instant channel of whoever did not
    say which they prefer. ``require_basis``: an innovator's instant message is
    ``withheld`` unless a lawful basis is recorded (``instant_basis``).
    """
    rule = RULES.get(event_type)
    if rule is None:
        return []
    prefs = prefs or {}
    template = template_for(event_type)
    base = _context(payload, proposal, links)
    messages: dict[tuple[str, str], Message] = {}
    for person in _people(rule, proposal, reviewer, panel):
        pref = _preference(person, prefs)
        chosen = pref or Preference(person.email or person.phone or "")
        language = _language(person, pref)
        context = {
            **base,
            "name": person.name,
            "role": person.role,
            "deadline_local": _local(payload.get("deadline"), chosen.time_zone, language),
            "at_local": _local(
                payload.get("submitted_at")
                or payload.get("decided_at")
                or payload.get("withdrawn_at")
                or payload.get("filed_at")
                or payload.get("answered_at"),
                chosen.time_zone,
                language,
            ),
            # A presentation's or visit's start, in the recipient's zone and language.
            "starts_local": _local(payload.get("starts_at"), chosen.time_zone, language),
            "change_word": STEP_WORDS[language].get(str(payload.get("change")), ""),
            "step_word": STEP_WORDS[language].get(str(payload.get("kind")), ""),
        }

        def add(
            channel: str,
            recipient: str,
            digest: bool = False,
            person: Person = person,
            language: str = language,
            context: dict[str, Any] = context,
            chosen: Preference = chosen,
        ) -> None:
            messages.setdefault(
                (channel, recipient),
                Message(
                    channel=channel,
                    recipient=recipient,
                    recipient_name=person.name,
                    template=template,
                    language=language,
                    context=context,
                    essential=rule.essential,
                    digest=digest,
                    time_zone=chosen.time_zone,
                    role=person.role,
                    data_subject=person.subject,
                ),
            )

        email_pref = prefs.get(person.email) if person.email else None
        unsubscribed = bool(email_pref and email_pref.unsubscribed)
        kinds = policy.kinds(person.role, event_type)
        # Essential mail always goes by email, the channel of record.
        if (
            EMAIL in kinds
            and person.email
            and (rule.essential or (chosen.email and not unsubscribed))
        ):
            add(EMAIL, person.email, digest=person.role == AGENCY and chosen.digest)
        available = [c for c, on in ((WHATSAPP, whatsapp), (SMS, sms)) if on]
        phone_pref = prefs.get(person.phone) if person.phone else None
        instant = instant_channel(person, (phone_pref, pref), default_instant, available)
        if INSTANT_KIND in kinds and instant and person.phone and chosen.sms:
            add(instant, person.phone)
            basis = instant_basis(person, (phone_pref, pref))
            if require_basis and basis is None:
                key = (instant, person.phone)
                messages[key] = replace(messages[key], withheld=NO_BASIS)
    return list(messages.values())


CONSENT, OWN_PREFERENCE = "consent", "own_preference"
NO_BASIS = (
    "withheld: no lawful basis recorded for instant messages to this number "
    "(no consent in the submission, no instant channel chosen by the recipient)"
)


def instant_basis(person: Person, stored: Sequence[Preference | None]) -> str | None:
    """The lawful basis for instant messages to ``person`` (docs/PRIVACY.md: Consent):
    the consent the submission recorded, or an instant channel they chose themselves on
    the preferences page; None when neither. Only innovators need one here: reviewers
    set their own instant channel in their account, agency contacts are the agency's
    office numbers, given by the agency for this purpose."""
    if person.role != INNOVATOR:
        return OWN_PREFERENCE
    if person.instant_basis:
        return person.instant_basis
    if any(p is not None and p.instant for p in stored):
        return OWN_PREFERENCE
    return None
