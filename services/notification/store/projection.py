"""What the service knows about proposals and their reviewers, and the events waiting
for a proposal; on the connection of a transaction its caller opened."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from services.notification.domain.messages import REVIEWER, Person
from services.notification.domain.recipients import Proposal
from services.notification.store.tables import assignments, parked_events, proposals
from shared.events.envelope import Event

# Run for every proposal event recorded: built once, with the values as parameters.
_VERSION = select(proposals.c.version).where(proposals.c.proposal_id == bindparam("b_id"))
_UPDATE_PROPOSAL = update(proposals).where(proposals.c.proposal_id == bindparam("b_id"))
_PARKED = (
    select(parked_events.c.event)
    .where(parked_events.c.proposal_id == bindparam("b_id"))
    .order_by(parked_events.c.parked_at)
)


class ProjectionStore:
    """Proposals, assignments and parked events, on an open transaction's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- proposals ------------------------------------------------------------------

    def save_proposal(self, proposal: Proposal) -> None:
        """Insert or update; an older version arriving late does not overwrite a newer one."""
        values: dict[str, Any] = {
            "version": proposal.version,
            "title": proposal.title,
            "agency_name": proposal.agency_name,
            "contact_email": proposal.contact_email,
            "contact_phone": proposal.contact_phone,
            "innovators": [
                {
                    "name": p.name,
                    "email": p.email,
                    "phone": p.phone,
                    "instant": p.instant,
                    "subject": p.subject,
                    "instant_basis": p.instant_basis,
                }
                for p in proposal.innovators
            ],
            "updated_at": datetime.now(UTC),
            "agency_id": proposal.agency_id,
        }
        known = self._conn.execute(_VERSION, {"b_id": proposal.proposal_id}).scalar()
        if known is None:
            self._conn.execute(insert(proposals), {"proposal_id": proposal.proposal_id, **values})
        elif known <= proposal.version:
            self._conn.execute(_UPDATE_PROPOSAL, {"b_id": proposal.proposal_id, **values})

    def find_proposal(self, proposal_id: str) -> Proposal | None:
        row = self._conn.execute(
            select(proposals).where(proposals.c.proposal_id == proposal_id)
        ).first()
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
                Person(
                    "innovator",
                    i["name"],
                    i["email"],
                    i.get("phone"),
                    instant=i.get("instant"),
                    subject=i.get("subject"),
                    instant_basis=i.get("instant_basis"),
                )
                for i in row.innovators
            ),
            agency_id=row.agency_id,
        )

    # -- reviewers --------------------------------------------------------------------

    def save_assignment(
        self, assignment_id: str, proposal_id: str, person: Person, reviewer_id: str | None = None
    ) -> None:
        self._conn.execute(delete(assignments).where(assignments.c.assignment_id == assignment_id))
        self._conn.execute(
            insert(assignments).values(
                assignment_id=assignment_id,
                proposal_id=proposal_id,
                reviewer_id=reviewer_id,
                name=person.name,
                email=person.email,
                phone=person.phone,
                language=person.language,
            )
        )

    def find_reviewer(self, assignment_id: str) -> Person | None:
        row = self._conn.execute(
            select(assignments).where(assignments.c.assignment_id == assignment_id)
        ).first()
        if row is None:
            return None
        return Person(REVIEWER, row.name, row.email, row.phone, row.language)

    def find_reviewers(self, reviewer_ids: list[str]) -> list[Person]:
        """The reviewers with these account ids as their latest assignment named them (in
        the order given; one not assigned anything since this service kept ids is missing)."""
        if not reviewer_ids:
            return []
        rows = self._conn.execute(
            select(assignments).where(assignments.c.reviewer_id.in_(reviewer_ids))
        ).all()
        found = {row.reviewer_id: row for row in rows}
        return [
            Person(REVIEWER, r.name, r.email, r.phone, r.language)
            for r in (found.get(i) for i in reviewer_ids)
            if r is not None
        ]

    # -- events waiting for their proposal --------------------------------------------

    def park(self, event: Event, proposal_id: str) -> None:
        self._conn.execute(
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

    def take_parked(self, proposal_id: str) -> list[Event]:
        """The events parked for ``proposal_id``, oldest first, removed from the table."""
        rows = self._conn.execute(_PARKED, {"b_id": proposal_id}).all()
        if rows:
            self._conn.execute(
                delete(parked_events).where(parked_events.c.proposal_id == proposal_id)
            )
        return [
            Event(**{**row.event, "time": datetime.fromisoformat(row.event["time"])})
            for row in rows
        ]

    def count_parked(self) -> int:
        return len(self._conn.execute(select(parked_events.c.event_id)).all())

    # -- access and erasure ------------------------------------------------------------

    def held_about_subject(self, subject: str) -> list[dict[str, Any]]:
        """Each proposal naming the subject, with the innovator entry as opened here."""
        held = []
        for row in self._conn.execute(select(proposals).order_by(proposals.c.proposal_id)):
            for innovator in row.innovators or []:
                if innovator.get("subject") == subject:
                    held.append(
                        {"proposal_id": row.proposal_id, "title": row.title, "innovator": innovator}
                    )
        return held

    def forget_innovators(self, proposal_id: str) -> set[str]:
        """Retention: the proposal keeps no innovator; the addresses they had."""
        row = self._conn.execute(
            select(proposals.c.innovators).where(proposals.c.proposal_id == proposal_id)
        ).first()
        if row is None:
            return set()
        addresses = {a for i in row.innovators or [] for a in (i.get("email"), i.get("phone")) if a}
        self._conn.execute(
            update(proposals).where(proposals.c.proposal_id == proposal_id).values(innovators=[])
        )
        return addresses

    def subject_contact(self, subject: str) -> tuple[str, dict[str, Any]] | None:
        """(a proposal id, the innovator entry) of the subject, as last opened; None when
        no proposal names them (never opened, or erased)."""
        for row in self._conn.execute(
            select(proposals.c.proposal_id, proposals.c.innovators).order_by(
                proposals.c.updated_at.desc()
            )
        ):
            for innovator in row.innovators or []:
                if innovator.get("subject") == subject and innovator.get("email"):
                    return row.proposal_id, dict(innovator)
        return None

    def forget_subject(self, subject: str) -> set[str]:
        """Take the subject out of every proposal's innovators; the addresses they had."""
        addresses: set[str] = set()
        for row in self._conn.execute(select(proposals)).all():
            innovators = list(row.innovators or [])
            kept = [i for i in innovators if i.get("subject") != subject]
            if len(kept) == len(innovators):
                continue
            for gone in innovators:
                if gone.get("subject") == subject:
                    addresses.update(a for a in (gone.get("email"), gone.get("phone")) if a)
            self._conn.execute(
                update(proposals)
                .where(proposals.c.proposal_id == row.proposal_id)
                .values(innovators=kept)
            )
        return addresses
