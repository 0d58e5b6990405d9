"""In-memory stores of the review service's store shapes, on a fake unit of work.

Only what the use cases under test call; each keeps rows as the real store hands
them back (dicts), so a use case cannot tell the difference.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from deploy.local.stack import DEMO_PROPOSAL
from shared.events.catalog import PROPOSAL_SUBMITTED, PROPOSAL_WITHDRAWN, spec_for
from shared.events.envelope import Event
from shared.events.unit_of_work import FakeUnitOfWork

OPEN = ("pending", "submitted")
PROPOSAL_DEFAULTS: dict[str, Any] = {
    "scores": {},
    "screening_reasons": [],
    "verification": None,
    "verification_note": None,
    "cycle_id": None,
    "correlation_id": None,
    "award_category": None,
}


class FakeProposals:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def get(self, proposal_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        found = self.rows.get(proposal_id)
        return copy.deepcopy(found) if found else None

    def insert(self, values: dict[str, Any]) -> dict[str, Any]:
        self.rows[values["id"]] = {**PROPOSAL_DEFAULTS, **copy.deepcopy(values)}
        return copy.deepcopy(self.rows[values["id"]])

    def change(self, proposal_id: str, **values: Any) -> None:
        self.rows[proposal_id].update(copy.deepcopy(values))

    def listing(
        self,
        *,
        cycle_id: str | None = None,
        status: str | None = None,
        ids: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        return [
            copy.deepcopy(p)
            for p in self.rows.values()
            if (cycle_id is None or p["cycle_id"] == cycle_id)
            and (status is None or p["status"] == status)
            and (ids is None or p["id"] in ids)
        ]


class FakeAssignments:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def get(self, assignment_id: str) -> dict[str, Any] | None:
        found = self.rows.get(assignment_id)
        return dict(found) if found else None

    def insert(self, values: dict[str, Any]) -> None:
        self.rows[values["id"]] = {"reminded_at": None, "scores": None, **values}

    def change(self, assignment_id: str, **values: Any) -> None:
        self.rows[assignment_id].update(values)

    def of_proposal(
        self, proposal_id: str, round: str | None = None, *, open_only: bool = False
    ) -> list[dict[str, Any]]:
        return [
            dict(a)
            for a in self.rows.values()
            if a["proposal_id"] == proposal_id
            and (round is None or a["round"] == round)
            and (not open_only or a["status"] in OPEN)
        ]

    def of_reviewer(self, reviewer_id: str) -> list[dict[str, Any]]:
        return [
            dict(a)
            for a in self.rows.values()
            if a["reviewer_id"] == reviewer_id and a["status"] in OPEN
        ]

    def reviewer_has(self, reviewer_id: str, proposal_id: str) -> bool:
        return any(a["proposal_id"] == proposal_id for a in self.of_reviewer(reviewer_id))

    def due_for_reminder(self, now: datetime, before_s: float) -> list[dict[str, Any]]:
        until = now + timedelta(seconds=before_s)
        return [
            dict(a)
            for a in self.rows.values()
            if a["status"] == "pending"
            and a["reminded_at"] is None
            and now < a["deadline"] <= until
        ]

    def claim_reminder(self, assignment_id: str) -> bool:
        row = self.rows[assignment_id]
        if row["reminded_at"] is not None:
            return False
        row["reminded_at"] = datetime.now(UTC)
        return True


class FakeCycles:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def get(self, cycle_id: str) -> dict[str, Any] | None:
        found = self.rows.get(cycle_id)
        return dict(found) if found else None

    def open_at(self, when: datetime) -> dict[str, Any] | None:
        return None  # no cycle is open unless a test names one

    def change(self, cycle_id: str, **values: Any) -> None:
        self.rows[cycle_id].update(copy.deepcopy(values))


class FakePeople:
    def __init__(self, assignments: FakeAssignments) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self._assignments = assignments  # the real query joins them
        self.links: dict[str, tuple[str, str, datetime]] = {}  # hash -> (user, purpose, expiry)
        self.tokens_ended: list[str] = []

    def get(self, user_id: str) -> dict[str, Any] | None:
        found = self.rows.get(user_id)
        return dict(found) if found else None

    def by_email(self, email: str) -> dict[str, Any] | None:
        return next((dict(u) for u in self.rows.values() if u["email"] == email), None)

    def insert(self, values: dict[str, Any]) -> None:
        self.rows[values["id"]] = {"active": True, "phone": None, "language": "id", **values}

    def listing(self, role: str | None = None) -> list[dict[str, Any]]:
        return [dict(u) for u in self.rows.values() if role is None or u["role"] == role]

    def change(self, user_id: str, **values: Any) -> None:
        self.rows[user_id].update(copy.deepcopy(values))

    def delete_tokens(self, user_id: str, now: datetime) -> int:
        self.tokens_ended.append(user_id)
        return 1

    def add_link(
        self, user_id: str, token_hash: str, purpose: str, now: datetime, expires_at: datetime
    ) -> None:
        self.links[token_hash] = (user_id, purpose, expires_at)

    def by_link(self, token_hash: str, now: datetime) -> tuple[dict[str, Any], str] | None:
        found = self.links.get(token_hash)
        if found is None or found[2] <= now:
            return None
        return dict(self.rows[found[0]]), found[1]

    def delete_links(self, user_id: str) -> None:
        self.links = {k: v for k, v in self.links.items() if v[0] != user_id}

    def reviewers(
        self, proposal_id: str | None = None, round: str | None = None
    ) -> list[dict[str, Any]]:
        """Every reviewer with ``load`` (pending reviews) and ``had_it`` (this proposal and round)."""
        held = list(self._assignments.rows.values())
        return [
            {
                **u,
                "load": sum(
                    1 for a in held if a["reviewer_id"] == u["id"] and a["status"] == "pending"
                ),
                "had_it": any(
                    a["reviewer_id"] == u["id"]
                    and a["proposal_id"] == proposal_id
                    and a["round"] == round
                    for a in held
                ),
            }
            for u in self.rows.values()
            if u["role"] in ("reviewer", "panelist")
        ]


class FakeAgencies:
    """The register's copy, by code."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    def keep(self, values: dict[str, Any]) -> bool:
        found = self.rows.get(values["code"])
        if found is not None and found["changed_at"] > values["changed_at"]:
            return False
        self.rows[values["code"]] = dict(values)
        return True

    def by_code(self, code: str) -> dict[str, Any] | None:
        wanted = code.strip().lower()
        return next((dict(a) for c, a in self.rows.items() if c.lower() == wanted), None)

    def listing(self) -> list[dict[str, Any]]:
        return [dict(self.rows[c]) for c in sorted(self.rows)]

    def codes(self) -> list[str]:
        return sorted(self.rows)

    def parents(self) -> list[tuple[str, str | None]]:
        return [(c, a["parent_code"]) for c, a in self.rows.items() if a["parent_code"]]


class FakeConflicts:
    """Declared conflicts: (reviewer, kind, target) once each."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def declare(
        self, reviewer_id: str, kind: str, target: str, reason: str, now: datetime
    ) -> dict[str, Any]:
        for row in self.rows:
            if (row["reviewer_id"], row["kind"], row["target"]) == (reviewer_id, kind, target):
                return dict(row)
        row = {
            "id": f"conflict-{len(self.rows) + 1}",
            "reviewer_id": reviewer_id,
            "kind": kind,
            "target": target,
            "reason": reason,
            "declared_at": now,
        }
        self.rows.append(row)
        return dict(row)

    def withdraw(self, reviewer_id: str, conflict_id: str) -> bool:
        before = len(self.rows)
        self.rows = [
            r for r in self.rows if not (r["id"] == conflict_id and r["reviewer_id"] == reviewer_id)
        ]
        return len(self.rows) < before

    def of_reviewer(self, reviewer_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.rows if r["reviewer_id"] == reviewer_id]

    def declared(self) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = {}
        for r in self.rows:
            out.setdefault(r["reviewer_id"], []).append((r["kind"], r["target"]))
        return out


class FakeAudit:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def record(
        self,
        actor: str,
        action: str,
        entity: str,
        entity_id: str,
        before: Any = None,
        after: Any = None,
    ) -> None:
        self.rows.append(
            {
                "actor": actor,
                "action": action,
                "entity_id": entity_id,
                "before": before,
                "after": after,
            }
        )

    def entries(self, entity_id: str) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["entity_id"] == entity_id]

    def actions(self, entity_id: str) -> list[str]:
        return [r["action"] for r in self.entries(entity_id)]


class FakeObjections:
    """Objections in a list; only what the award decision reads."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def listing(self, **where: Any) -> list[dict[str, Any]]:
        return [r for r in self.rows if all(v is None or r[k] == v for k, v in where.items())]


class FakeReviewWork(FakeUnitOfWork):
    """The review service's unit of work without a database: the stores outlive a use
    case (what it wrote stays for the next), but a refused one's writes are not undone:
    tests check the events and the rows a refusal must not have reached."""

    def __init__(self) -> None:
        super().__init__()
        self.proposals = FakeProposals()
        self.assignments = FakeAssignments()
        self.cycles = FakeCycles()
        self.people = FakePeople(self.assignments)
        self.audit = FakeAudit()
        self.agencies = FakeAgencies()
        self.conflicts = FakeConflicts()
        self.objections = FakeObjections()

    def published_types(self) -> list[str]:
        return [event.type for _, event in self.published]


def reviewer(user_id: str, agency_code: str = "DISDIK", **extra: Any) -> dict[str, Any]:
    """A reviewer account row."""
    return {
        "id": user_id,
        "name": f"Reviewer {user_id}",
        "email": f"{user_id}@example.go.id",
        "role": "reviewer",
        "agency_code": agency_code,
        "expertise": ["health"],
        "max_load": 10,
        **extra,
    }


AGENCY = {"id": "agency-DINKES", "code": "DINKES", "name": "Dinas Kesehatan"}


def submitted(
    proposal_id: str, version: int = 1, cycle_id: str | None = None, **profile_changes: Any
) -> Event:
    """A ``proposal.submitted`` event from DINKES, as the submission service sends it."""
    spec = spec_for(PROPOSAL_SUBMITTED)
    profile = copy.deepcopy(DEMO_PROPOSAL) | {"title": f"Inovasi {proposal_id}", **profile_changes}
    data = {
        "proposal_id": proposal_id,
        "version": version,
        "agency": AGENCY,
        "submitted_at": datetime.now(UTC).isoformat(),
        "profile": profile,
        "cycle_id": cycle_id,
    }
    dumped = spec.schema().dump(spec.schema().load(data))
    return Event.first(spec.type, "/inagara/submission", proposal_id, dumped, spec.dataschema)


def withdrawn(proposal_id: str) -> Event:
    spec = spec_for(PROPOSAL_WITHDRAWN)
    data = {
        "proposal_id": proposal_id,
        "version": 1,
        "agency": AGENCY,
        "withdrawn_at": datetime.now(UTC).isoformat(),
        "reason": "changed our mind",
    }
    return Event.first(spec.type, "/inagara/submission", proposal_id, data, spec.dataschema)


def reopened(proposal_id: str, status: str = "in_review") -> Event:
    spec = spec_for("proposal.reopened")
    data = {
        "proposal_id": proposal_id,
        "version": 1,
        "agency": AGENCY,
        "reopened_at": datetime.now(UTC).isoformat(),
        "cycle_id": None,
        "status": status,
    }
    return Event.first(spec.type, "/inagara/submission", proposal_id, data, spec.dataschema)


def addendum(proposal_id: str, addendum_id: str = "add-1", note: str = "foto lapangan") -> Event:
    spec = spec_for("proposal.addendum_added")
    data = {
        "proposal_id": proposal_id,
        "addendum_id": addendum_id,
        "version": 1,
        "agency": AGENCY,
        "note": note,
        "file": {
            "id": addendum_id,
            "filename": "foto.pdf",
            "content_type": "application/pdf",
            "size": 12,
            "sha256": "0" * 64,
        },
        "added_at": datetime.now(UTC).isoformat(),
    }
    return Event.first(spec.type, "/inagara/submission", proposal_id, data, spec.dataschema)
