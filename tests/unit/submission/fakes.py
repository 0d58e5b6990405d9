"""In-memory stores of the submission service's shape, on a fake unit of work.

Rows are ``SimpleNamespace`` objects with the columns the use cases read, as the
SQL stores' rows have them. The SQL of the real stores is tested where it lives
(tests/integration/submission/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from services.submission import domain
from services.submission.domain.window import Cycle
from services.submission.store.registry import Caller
from services.submission.store.subject_keys import Subject
from shared.events import sealing
from shared.events.unit_of_work import FakeUnitOfWork


class FakeProposals:
    def __init__(self) -> None:
        self.rows: dict[str, SimpleNamespace] = {}
        self.lose_next_race = False  # the next change finds another request was first

    def find(self, proposal_id: str, agency_id: str) -> Any:
        row = self.rows.get(proposal_id)
        return row if row is not None and row.agency_id == agency_id else None

    def standing(self, proposal_id: str) -> Any:
        return self.rows.get(proposal_id)

    def add(self, row: dict[str, Any]) -> None:
        self.rows[row["id"]] = SimpleNamespace(
            **{"withdrawn_from": None, **row}, revision_request=None
        )

    def change(self, proposal_id: str, status: str, version: int, values: dict[str, Any]) -> bool:
        row = self.rows[proposal_id]
        if self.lose_next_race or (row.status, row.version) != (status, version):
            self.lose_next_race = False
            return False
        vars(row).update(values)
        return True

    def project(self, proposal_id: str, status: str, values: dict[str, Any]) -> None:
        row = self.rows[proposal_id]
        if row.status == status:
            vars(row).update(values)

    def search(
        self,
        agency_id: str,
        filters: dict[str, str | None],
        title_contains: str | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[Any]:
        found = [
            r
            for r in self.rows.values()
            if r.agency_id == agency_id
            and all(v is None or getattr(r, k) == v for k, v in filters.items())
            and (not title_contains or title_contains.lower() in r.title.lower())
            and (after is None or (r.created_at, r.id) < after)
        ]
        return sorted(found, key=lambda r: (r.created_at, r.id), reverse=True)[:limit]


class FakeVersions:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, int], SimpleNamespace] = {}

    def add(self, row: dict[str, Any]) -> None:
        row = {"submitted_at": None, "evidence": None, **row}
        self.rows[(row["proposal_id"], row["version"])] = SimpleNamespace(**row)

    def freeze(
        self,
        proposal_id: str,
        version: int,
        submitted_at: datetime,
        evidence: list[dict[str, Any]],
        cycle_id: str | None,
    ) -> None:
        row = self.rows[(proposal_id, version)]
        row.submitted_at, row.evidence, row.cycle_id = submitted_at, evidence, cycle_id

    def all(self, proposal_id: str) -> list[Any]:
        return [r for (p, _), r in sorted(self.rows.items()) if p == proposal_id]

    def get(self, proposal_id: str, version: int) -> Any:
        return self.rows.get((proposal_id, version))


class FakeTimeline:
    def __init__(self) -> None:
        self.rows: list[SimpleNamespace] = []

    def add(
        self,
        proposal_id: str,
        type: str,
        version: int | None,
        at: datetime,
        facts: dict[str, Any] | None = None,
        event_id: str | None = None,
    ) -> None:
        self.rows.append(
            SimpleNamespace(
                proposal_id=proposal_id,
                type=type,
                version=version,
                at=at,
                facts=facts or {},
                event_id=event_id,
            )
        )

    def entries(self, proposal_id: str) -> list[Any]:
        return [r for r in self.rows if r.proposal_id == proposal_id]

    def types(self, proposal_id: str) -> list[str]:
        return [r.type for r in self.entries(proposal_id)]


class FakeEvidence:
    def __init__(self, proposals: FakeProposals) -> None:
        self._proposals = proposals
        self.rows: dict[str, SimpleNamespace] = {}

    def owner(self, proposal_id: str, agency_id: str, lock: bool = False) -> Any:
        return self._proposals.find(proposal_id, agency_id)

    def total_size(self, proposal_id: str) -> int:
        return sum(int(r.size) for r in self.all(proposal_id))

    def add(self, row: dict[str, Any]) -> Any:
        self.rows[row["id"]] = SimpleNamespace(**row)
        return self.rows[row["id"]]

    def get(self, proposal_id: str, evidence_id: str) -> Any:
        row = self.rows.get(evidence_id)
        return row if row is not None and row.proposal_id == proposal_id else None

    def all(self, proposal_id: str) -> list[Any]:
        found = [r for r in self.rows.values() if r.proposal_id == proposal_id]
        return sorted(found, key=lambda r: (r.created_at, r.id))

    def refs(self, proposal_id: str) -> list[dict[str, Any]]:
        keys = ("id", "filename", "content_type", "size", "sha256")
        return [{k: getattr(r, k) for k in keys} for r in self.all(proposal_id)]

    def remove(self, evidence_id: str) -> None:
        del self.rows[evidence_id]


class FakeAddenda:
    def __init__(self) -> None:
        self.rows: dict[str, SimpleNamespace] = {}

    def add(self, row: dict[str, Any]) -> None:
        self.rows[row["id"]] = SimpleNamespace(**row)

    def get(self, proposal_id: str, addendum_id: str) -> Any:
        row = self.rows.get(addendum_id)
        return row if row is not None and row.proposal_id == proposal_id else None

    def all(self, proposal_id: str) -> list[Any]:
        found = [r for r in self.rows.values() if r.proposal_id == proposal_id]
        return sorted(found, key=lambda r: (r.created_at, r.id))


class FakeCycles:
    def __init__(self) -> None:
        self.announced: list[Cycle] = []
        self.scheduled: list[dict[str, Any]] = []

    remembered = False  # always fresh, like a store without RecentCycles

    def known(self, configured: Cycle | None = None, *, fresh: bool = False) -> list[Cycle]:
        found = list(self.announced)
        if configured and all(c.id != configured.id for c in found):
            found.append(configured)
        return found

    def save_scheduled(self, payload: dict[str, Any]) -> None:
        self.scheduled.append(payload)


class FakeReviewers:
    def __init__(self) -> None:
        self.slots: list[SimpleNamespace] = []

    def number_of(self, proposal_id: str, assignment_id: str) -> int | None:
        for slot in self.slots:
            if (slot.proposal_id, slot.assignment_id) == (proposal_id, assignment_id):
                return int(slot.number)
        return None

    def highest(self, proposal_id: str, round: str) -> int:
        numbers = [s.number for s in self.slots if (s.proposal_id, s.round) == (proposal_id, round)]
        return max(numbers, default=0)

    def add(self, proposal_id: str, assignment_id: str, round: str, number: int) -> None:
        self.slots.append(SimpleNamespace(**locals()))

    def per_round(self, proposal_id: str) -> dict[str, int]:
        counted: dict[str, set[int]] = {}
        for s in self.slots:
            if s.proposal_id == proposal_id:
                counted.setdefault(s.round, set()).add(s.number)
        return {round: len(numbers) for round, numbers in counted.items()}


@dataclass
class FakeRegistry:
    """Agencies' rows by id; enough for the use cases that read them."""

    rows: dict[str, SimpleNamespace]

    def agency(self, agency_id: str) -> Any:
        return self.rows.get(agency_id)


@dataclass
class FakeParticipation:
    """Submissions per agency, as the SQL would count them."""

    counted: list[dict[str, Any]]

    def submitted_per_agency(self, cycle_id: str) -> list[dict[str, Any]]:
        return self.counted

    def submitted_by(self, agency_id: str, cycle_id: str) -> int:
        found = [a for a in self.counted if a.get("agency_id") == agency_id]
        return int(found[0]["submitted"]) if found else 0

    def __post_init__(self) -> None:
        self.reminded: set[tuple[str, str]] = set()

    def claim_reminder(self, cycle_id: str, agency_id: str, at: Any) -> bool:
        if (cycle_id, agency_id) in self.reminded:
            return False
        self.reminded.add((cycle_id, agency_id))
        return True


class FakeSubjects:
    """Data subjects and their keys, by email."""

    def __init__(self) -> None:
        self.by_email: dict[str, Subject] = {}

    def key_of(self, email: str, phone: str | None, now: Any) -> Subject:
        if email not in self.by_email:
            self.by_email[email] = Subject(f"subject-{len(self.by_email) + 1}", sealing.new_key())
        return self.by_email[email]


class FakeSubmissionWork(FakeUnitOfWork):
    """``SubmissionWork`` without a database: the stores above, shared by every use."""

    def __init__(self) -> None:
        super().__init__()
        self.proposals = FakeProposals()
        self.versions = FakeVersions()
        self.timeline = FakeTimeline()
        self.evidence = FakeEvidence(self.proposals)
        self.addenda = FakeAddenda()
        self.cycles = FakeCycles()
        self.reviewers = FakeReviewers()
        self.registry = FakeRegistry({})
        self.participation = FakeParticipation([])
        self.subjects = FakeSubjects()
        self.event_version = 1

    @property
    def conn(self) -> Any:
        """What an Idempotency-Key's ``also`` gets as the connection (nothing here)."""
        return None


def caller(role: str = domain.AGENCY_ADMIN, agency_id: str = "ag-1") -> Caller:
    return Caller(domain.Agency(agency_id, "DINKES", "Dinas Kesehatan"), role)
