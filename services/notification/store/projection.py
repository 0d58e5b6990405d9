"""What the service knows about proposals, reviewers and recipients' wishes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update

from services.notification.domain.messages import REVIEWER, Person, Preference
from services.notification.domain.recipients import Proposal
from services.notification.store.tables import assignments, parked_events, preferences, proposals
from shared.events.envelope import Event

# -- proposals ------------------------------------------------------------------


def save_proposal(conn: Connection, proposal: Proposal) -> None:
    """Insert or update; an older version arriving late does not overwrite a newer one."""
    values: dict[str, Any] = {
        "version": proposal.version,
        "title": proposal.title,
        "agency_name": proposal.agency_name,
        "contact_email": proposal.contact_email,
        "contact_phone": proposal.contact_phone,
        "innovators": [
            {"name": p.name, "email": p.email, "phone": p.phone} for p in proposal.innovators
        ],
        "updated_at": datetime.now(UTC),
    }
    known = conn.execute(
        select(proposals.c.version).where(proposals.c.proposal_id == proposal.proposal_id)
    ).scalar()
    if known is None:
        conn.execute(insert(proposals), {"proposal_id": proposal.proposal_id, **values})
    elif known <= proposal.version:
        conn.execute(
            update(proposals).where(proposals.c.proposal_id == proposal.proposal_id).values(values)
        )


def find_proposal(conn: Connection, proposal_id: str) -> Proposal | None:
    row = conn.execute(select(proposals).where(proposals.c.proposal_id == proposal_id)).first()
    if row is None:
        return None
    return Proposal(
        proposal_id=row.proposal_id,
        version=row.version,
        title=row.title,
        agency_name=row.agency_name,
        contact_email=row.contact_email,
        contact_phone=row.contact_phone,
        innovators=tuple(
            Person("innovator", i["name"], i["email"], i.get("phone")) for i in row.innovators
        ),
    )


# -- reviewers --------------------------------------------------------------------


def save_assignment(conn: Connection, assignment_id: str, proposal_id: str, person: Person) -> None:
    conn.execute(delete(assignments).where(assignments.c.assignment_id == assignment_id))
    conn.execute(
        insert(assignments).values(
            assignment_id=assignment_id,
            proposal_id=proposal_id,
            name=person.name,
            email=person.email,
            phone=person.phone,
            language=person.language,
        )
    )


def find_reviewer(conn: Connection, assignment_id: str) -> Person | None:
    row = conn.execute(
        select(assignments).where(assignments.c.assignment_id == assignment_id)
    ).first()
    if row is None:
        return None
    return Person(REVIEWER, row.name, row.email, row.phone, row.language)


# -- events waiting for their proposal --------------------------------------------


def park(conn: Connection, event: Event, proposal_id: str) -> None:
    conn.execute(
        insert(parked_events).values(
            event_id=event.id,
            proposal_id=proposal_id,
            event_type=event.type,
            event={
                "id": event.id,
                "type": event.type,
                "source": event.source,
                "subject": event.subject,
                "time": event.time.isoformat(),
                "dataschema": event.dataschema,
                "correlation_id": event.correlation_id,
                "causation_id": event.causation_id,
                "data": event.data,
            },
            parked_at=datetime.now(UTC),
        )
    )


def take_parked(conn: Connection, proposal_id: str) -> list[Event]:
    """The events parked for ``proposal_id``, oldest first, removed from the table."""
    rows = conn.execute(
        select(parked_events.c.event)
        .where(parked_events.c.proposal_id == proposal_id)
        .order_by(parked_events.c.parked_at)
    ).all()
    if rows:
        conn.execute(delete(parked_events).where(parked_events.c.proposal_id == proposal_id))
    return [
        Event(**{**row.event, "time": datetime.fromisoformat(row.event["time"])}) for row in rows
    ]


def count_parked(engine: Engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(parked_events.c.event_id)).all())


# -- preferences -----------------------------------------------------------------


def _preference(row: Any) -> Preference:
    return Preference(
        address=row.address,
        email=row.email,
        sms=row.sms,
        language=row.language,
        digest=row.digest,
        time_zone=row.time_zone,
        unsubscribed=row.unsubscribed,
    )


def preferences_of(conn: Connection, addresses: Iterable[str | None]) -> dict[str, Preference]:
    wanted = sorted({a for a in addresses if a})
    if not wanted:
        return {}
    rows = conn.execute(select(preferences).where(preferences.c.address.in_(wanted)))
    return {row.address: _preference(row) for row in rows}


def find_preference(engine: Engine, address: str) -> Preference | None:
    with engine.connect() as conn:
        return preferences_of(conn, [address]).get(address)


def save_preference(engine: Engine, preference: Preference) -> None:
    values = {
        "email": preference.email,
        "sms": preference.sms,
        "language": preference.language,
        "digest": preference.digest,
        "time_zone": preference.time_zone,
        "unsubscribed": preference.unsubscribed,
        "updated_at": datetime.now(UTC),
    }
    with engine.begin() as conn:
        changed = conn.execute(
            update(preferences).where(preferences.c.address == preference.address).values(values)
        ).rowcount
        if not changed:
            conn.execute(insert(preferences).values(address=preference.address, **values))
