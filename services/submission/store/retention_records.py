"""Retention (docs/PRIVACY.md): the job's lease, the proposals due, and the rewrite of
one proposal's innovators (and evidence file names) in every version."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.submission.domain.retention import SETTLED, RetentionPolicy
from services.submission.store.registry import aware
from services.submission.store.subject_keys import names
from services.submission.store.tables import (
    cycles,
    job_leases,
    proposal_versions,
    proposals,
    retention_applied,
)

Innovator = dict[str, Any]


class RetentionStore:
    """The retention tables and the proposals' profiles, on one connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def take_lease(self, name: str, holder: str, now: datetime, lease: timedelta) -> bool:
        """Whether ``holder`` holds the job ``name`` until ``now + lease``: it was free,
        ran out, or was already theirs. Two workers asking at once: one gets it (the
        row's lock on PostgreSQL, the write lock on SQLite)."""
        dialect = pg_insert if self._conn.dialect.name == "postgresql" else sqlite_insert
        created = self._conn.execute(
            dialect(job_leases)
            .values(name=name, holder=holder, until=now + lease)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        if created.rowcount == 1:
            return True
        taken = self._conn.execute(
            update(job_leases)
            .where(
                job_leases.c.name == name,
                (job_leases.c.until <= now) | (job_leases.c.holder == holder),
            )
            .values(holder=holder, until=now + lease)
        )
        return taken.rowcount == 1

    def end_lease(self, name: str, holder: str, now: datetime) -> None:
        self._conn.execute(
            update(job_leases)
            .where(job_leases.c.name == name, job_leases.c.holder == holder)
            .values(until=now)
        )

    def due(self, policy: RetentionPolicy, now: datetime) -> list[tuple[str, str, str]]:
        """(proposal id, cycle id, status) of the settled proposals of every cycle whose
        retention ran out, not yet retained."""
        expired = [
            r.id
            for r in self._conn.execute(select(cycles.c.id, cycles.c.closes_at))
            if policy.expired(r.id, aware(r.closes_at), now)
        ]
        if not expired:
            return []
        done = select(retention_applied.c.proposal_id)
        rows = self._conn.execute(
            select(proposals.c.id, proposals.c.cycle_id, proposals.c.status)
            .where(
                proposals.c.cycle_id.in_(expired),
                proposals.c.status.in_(sorted(SETTLED)),
                proposals.c.id.not_in(done),
            )
            .order_by(proposals.c.created_at, proposals.c.id)
        )
        return [(r.id, r.cycle_id, r.status) for r in rows]

    def mark(self, proposal_id: str, cycle_id: str, outcome: str, now: datetime) -> bool:
        """Record retention on the proposal; False when it was recorded already."""
        if self._conn.execute(
            select(retention_applied.c.proposal_id).where(
                retention_applied.c.proposal_id == proposal_id
            )
        ).first():
            return False
        self._conn.execute(
            insert(retention_applied).values(
                proposal_id=proposal_id, cycle_id=cycle_id, outcome=outcome, at=now
            )
        )
        return True

    def rewrite_innovators(
        self, proposal_id: str, rewrite: Callable[[Innovator, int], Innovator]
    ) -> list[Innovator]:
        """Every innovator of the proposal, in every version, becomes ``rewrite(it, n)``
        (n: their place, from 1). The innovators as they were, each person once."""
        before: list[Innovator] = []
        for table, where in (
            (proposals, proposals.c.id == proposal_id),
            (proposal_versions, proposal_versions.c.proposal_id == proposal_id),
        ):
            before.extend(i for i in self._rewrite_in(table, where, rewrite) if i not in before)
        return before

    def _rewrite_in(
        self, table: Table, where: Any, rewrite: Callable[[Innovator, int], Innovator]
    ) -> list[Innovator]:
        found: list[Innovator] = []
        keys = [c for c in table.primary_key.columns]
        for row in self._conn.execute(select(table).where(where)).all():
            profile = dict(row.profile or {})
            innovators = list(profile.get("innovators") or [])
            found.extend(innovators)
            renamed = [rewrite(i, n) for n, i in enumerate(innovators, start=1)]
            if renamed != innovators:
                self._conn.execute(
                    update(table)
                    .where(*(k == getattr(row, k.name) for k in keys))
                    .values(profile={**profile, "innovators": renamed})
                )
        return found

    def forget_evidence_names(self, proposal_id: str) -> int:
        """The evidence files each submitted version lists lose their names (a file name
        may name a person: "KTP Ayu Lestari.pdf"): ``berkas-<n>``, ``"deleted": true``.
        Size, type and checksum stay, so the record still says what was assessed. How many
        entries were renamed."""
        renamed = 0
        rows = self._conn.execute(
            select(proposal_versions.c.version, proposal_versions.c.evidence).where(
                proposal_versions.c.proposal_id == proposal_id
            )
        ).all()
        for row in rows:
            files = list(row.evidence or [])
            if not files or all(f.get("deleted") for f in files):
                continue
            gone = [
                {**f, "filename": f"berkas-{n}", "deleted": True}
                for n, f in enumerate(files, start=1)
            ]
            self._conn.execute(
                update(proposal_versions)
                .where(
                    proposal_versions.c.proposal_id == proposal_id,
                    proposal_versions.c.version == row.version,
                )
                .values(evidence=gone)
            )
            renamed += len(gone)
        return renamed

    def still_named(self, email: str | None, phone: str | None) -> bool:
        """Whether a proposal's current profile or any of its versions still names the
        person (by email or phone)."""
        for table in (proposals, proposal_versions):
            for row in self._conn.execute(select(table.c.profile)):
                if any(names(i, email, phone) for i in (row.profile or {}).get("innovators") or []):
                    return True
        return False
