"""Data subjects and their keys (crypto-shredding, docs/PRIVACY.md)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.submission.domain.file_names import names_person, neutral_name, traces_of
from services.submission.store.tables import (
    addenda,
    evidence,
    idempotency_keys,
    pending_erasures,
    privacy_requests,
    proposal_versions,
    proposals,
    subject_export_parts,
    subject_exports,
    subjects,
    timeline,
)
from shared.events import sealing


@dataclass(frozen=True)
class Subject:
    id: str
    key: bytes


class SubjectStore:
    """The subjects table, on one connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def key_of(self, email: str, phone: str | None, now: datetime) -> Subject:
        """The subject with this (normalised) email, created with a new key when first seen."""
        dialect = pg_insert if self._conn.dialect.name == "postgresql" else sqlite_insert
        self._conn.execute(
            dialect(subjects)
            .values(
                id=str(uuid.uuid4()),
                email=email,
                phone=phone,
                key=sealing.new_key(),
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["email"])
        )
        row = self._conn.execute(
            select(subjects.c.id, subjects.c.key).where(subjects.c.email == email)
        ).one()
        return Subject(row.id, bytes(row.key))

    def key(self, subject_id: str) -> tuple[bool, bytes | None]:
        """(known, key): key None for an erased subject."""
        row = self._conn.execute(
            select(subjects.c.key).where(subjects.c.id == subject_id)
        ).one_or_none()
        if row is None:
            return False, None
        return True, None if row.key is None else bytes(row.key)

    def find(self, email: str | None, phone: str | None) -> list[str]:
        """The ids of the live subjects with this email or phone."""
        conditions = [
            c == v for c, v in ((subjects.c.email, email), (subjects.c.phone, phone)) if v
        ]
        if not conditions:
            return []
        query = select(subjects.c.id).where(subjects.c.erased_at.is_(None))
        found: set[str] = set()
        for condition in conditions:
            found.update(self._conn.execute(query.where(condition)).scalars())
        return sorted(found)

    def contacts(self, subject_id: str) -> tuple[str | None, str | None]:
        row = self._conn.execute(
            select(subjects.c.email, subjects.c.phone).where(subjects.c.id == subject_id)
        ).one()
        return row.email, row.phone

    def pseudonymise(self, email: str | None, phone: str | None) -> int:
        """Every stored profile naming this person names "Inovator N" instead (N: their place
        in the list), without email or phone; answers of Idempotency-Keys that carried them
        are dropped. How many profiles changed."""
        changed = 0
        self._forget_file_names(email, phone)
        for table, keys in ((proposals, ("id",)), (proposal_versions, ("proposal_id", "version"))):
            changed += self._pseudonymise_in(table, keys, email, phone)
        for row in self._conn.execute(select(idempotency_keys)).all():
            text = str(row.body or "").lower()
            if any(v and v.lower() in text for v in (email, phone)):
                self._conn.execute(
                    delete(idempotency_keys).where(
                        idempotency_keys.c.principal == row.principal,
                        idempotency_keys.c.key == row.key,
                    )
                )
        return changed

    def _forget_file_names(self, email: str | None, phone: str | None) -> int:
        """Before the profiles forget the person: the evidence files (current, addenda and
        each submitted version's list) of the proposals naming them whose file name names
        them are renamed ``berkas-<n>`` (their contents stay: the agency's documents).
        How many names changed."""
        named: dict[str, set[str]] = {}
        for table in (proposals, proposal_versions):
            key = table.c.id if table is proposals else table.c.proposal_id
            for row in self._conn.execute(select(key.label("pid"), table.c.profile)):
                for innovator in (row.profile or {}).get("innovators") or []:
                    if names(innovator, email, phone) and innovator.get("name"):
                        named.setdefault(row.pid, set()).add(str(innovator["name"]))
        renamed = 0
        for proposal_id, person_names in named.items():
            traces = [t for n in sorted(person_names) for t in traces_of(n, email, phone)]
            for table in (evidence, addenda):
                rows = self._conn.execute(
                    select(table.c.id, table.c.filename)
                    .where(table.c.proposal_id == proposal_id)
                    .order_by(table.c.created_at, table.c.id)
                ).all()
                for n, row in enumerate(rows, start=1):
                    if names_person(row.filename, traces):
                        self._conn.execute(
                            update(table)
                            .where(table.c.id == row.id)
                            .values(filename=neutral_name(row.filename, n))
                        )
                        renamed += 1
            for entry in self._conn.execute(
                select(timeline.c.id, timeline.c.facts).where(timeline.c.proposal_id == proposal_id)
            ).all():
                facts = dict(entry.facts or {})
                if names_person(str(facts.get("filename") or ""), traces):
                    facts["filename"] = neutral_name(str(facts["filename"]))
                    self._conn.execute(
                        update(timeline).where(timeline.c.id == entry.id).values(facts=facts)
                    )
                    renamed += 1
            versions = self._conn.execute(
                select(proposal_versions.c.version, proposal_versions.c.evidence).where(
                    proposal_versions.c.proposal_id == proposal_id
                )
            ).all()
            for version in versions:
                files = list(version.evidence or [])
                kept = [
                    {**f, "filename": neutral_name(str(f.get("filename") or ""), n)}
                    if names_person(str(f.get("filename") or ""), traces)
                    else f
                    for n, f in enumerate(files, start=1)
                ]
                if kept != files:
                    self._conn.execute(
                        update(proposal_versions)
                        .where(
                            proposal_versions.c.proposal_id == proposal_id,
                            proposal_versions.c.version == version.version,
                        )
                        .values(evidence=kept)
                    )
                    renamed += sum(a != b for a, b in zip(kept, files, strict=True))
        return renamed

    def _pseudonymise_in(
        self, table: Table, keys: tuple[str, ...], email: str | None, phone: str | None
    ) -> int:
        changed = 0
        for row in self._conn.execute(select(table)).all():
            profile = dict(row.profile or {})
            innovators = list(profile.get("innovators") or [])
            renamed = [
                pseudonym(i, n) if names(i, email, phone) else i
                for n, i in enumerate(innovators, start=1)
            ]
            if renamed != innovators:
                where = [table.c[k] == getattr(row, k) for k in keys]
                self._conn.execute(
                    update(table).where(*where).values(profile={**profile, "innovators": renamed})
                )
                changed += 1
        return changed

    def innovator_of(self, agency_id: str, email: str | None, phone: str | None) -> bool:
        """Whether a proposal of this agency names the person among its innovators."""
        rows = self._conn.execute(
            select(proposals.c.profile).where(proposals.c.agency_id == agency_id)
        )
        return any(
            names(innovator, email, phone)
            for row in rows
            for innovator in (row.profile or {}).get("innovators") or []
        )

    def held_about(self, email: str | None, phone: str | None) -> dict[str, Any]:
        """Everything this service holds about the person: their subjects and each
        proposal naming them, with the innovator entry as stored."""
        conditions = [
            c == v for c, v in ((subjects.c.email, email), (subjects.c.phone, phone)) if v
        ]
        found_subjects = []
        for condition in conditions:
            for row in self._conn.execute(select(subjects).where(condition)):
                entry = {"id": row.id, "email": row.email, "phone": row.phone}
                if entry not in found_subjects:
                    found_subjects.append(entry)
        held = []
        for row in self._conn.execute(select(proposals).order_by(proposals.c.created_at)).all():
            for innovator in (row.profile or {}).get("innovators") or []:
                if names(innovator, email, phone):
                    held.append(
                        {
                            "proposal_id": row.id,
                            "agency_id": row.agency_id,
                            "title": (row.profile or {}).get("title"),
                            "status": row.status,
                            "version": row.version,
                            "innovator": innovator,
                        }
                    )
        return {"subjects": found_subjects, "proposals": held}

    def record_request(
        self, kind: str, requested_by: str, subject_ids: list[str], changed: int, now: datetime
    ) -> None:
        self._conn.execute(
            privacy_requests.insert().values(
                kind=kind,
                requested_by=requested_by,
                subject_ids=subject_ids,
                profiles_changed=changed,
                at=now,
            )
        )

    def open_export(
        self, export_id: str, subject_ids: list[str], requested_by: str, now: datetime
    ) -> None:
        self._conn.execute(
            subject_exports.insert().values(
                id=export_id, subject_ids=subject_ids, requested_by=requested_by, requested_at=now
            )
        )

    def save_export_part(self, export_id: str, source: str, answer: dict[str, Any]) -> None:
        """One service's answer for one subject (a repeated answer changes nothing)."""
        where = (
            subject_export_parts.c.export_id == export_id,
            subject_export_parts.c.source == source,
            subject_export_parts.c.subject_id == answer["subject_id"],
        )
        if self._conn.execute(select(subject_export_parts.c.export_id).where(*where)).first():
            return
        self._conn.execute(
            subject_export_parts.insert().values(
                export_id=export_id,
                source=source,
                subject_id=answer["subject_id"],
                sealed=answer.get("sealed"),
                part=answer.get("part"),
                unreadable=bool(answer.get("unreadable")),
                received_at=answer["received_at"],
            )
        )

    def export(self, export_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The export request (None if unknown) and the parts answered so far."""
        row = self._conn.execute(
            select(subject_exports).where(subject_exports.c.id == export_id)
        ).one_or_none()
        if row is None:
            return None, []
        parts = self._conn.execute(
            select(subject_export_parts)
            .where(subject_export_parts.c.export_id == export_id)
            .order_by(subject_export_parts.c.source, subject_export_parts.c.subject_id)
        )
        return dict(row._mapping), [dict(p._mapping) for p in parts]

    def pend_erasure(
        self, subject_id: str, requested_by: str, now: datetime, due_at: datetime
    ) -> bool:
        """Record an erasure announced first; False when one is pending already."""
        if self._conn.execute(
            select(pending_erasures.c.subject_id).where(pending_erasures.c.subject_id == subject_id)
        ).first():
            return False
        self._conn.execute(
            pending_erasures.insert().values(
                subject_id=subject_id, requested_by=requested_by, requested_at=now, due_at=due_at
            )
        )
        return True

    def due_erasures(self, now: datetime) -> list[tuple[str, str]]:
        """(subject id, who asked) of the announced erasures due and not done."""
        rows = self._conn.execute(
            select(pending_erasures.c.subject_id, pending_erasures.c.requested_by)
            .where(pending_erasures.c.due_at <= now, pending_erasures.c.done_at.is_(None))
            .order_by(pending_erasures.c.due_at)
        )
        return [(r.subject_id, r.requested_by) for r in rows]

    def finish_erasure(self, subject_id: str, now: datetime) -> bool:
        """Mark the announced erasure done; False when another worker did it first (the
        row's lock on PostgreSQL, the write lock on SQLite: exactly once)."""
        done = self._conn.execute(
            update(pending_erasures)
            .where(
                pending_erasures.c.subject_id == subject_id, pending_erasures.c.done_at.is_(None)
            )
            .values(done_at=now)
        )
        return done.rowcount == 1

    def erased_since(self, since: datetime) -> list[str]:
        """The ids of the subjects erased at or after ``since``, oldest first."""
        return list(
            self._conn.execute(
                select(subjects.c.id)
                .where(subjects.c.erased_at >= since)
                .order_by(subjects.c.erased_at, subjects.c.id)
            ).scalars()
        )

    def shred(self, subject_id: str, now: datetime) -> None:
        """Forget who the subject was and their key: every sealed copy becomes unreadable."""
        self._conn.execute(
            update(subjects)
            .where(subjects.c.id == subject_id)
            .values(email=None, phone=None, key=None, erased_at=now)
        )


def names(innovator: dict[str, Any], email: str | None, phone: str | None) -> bool:
    """Whether the innovator entry is this person (by normalised email or E.164 phone)."""
    found_email = str(innovator.get("email") or "").strip().lower()
    return bool((email and found_email == email) or (phone and innovator.get("phone") == phone))


def pseudonym(innovator: dict[str, Any], n: int) -> dict[str, Any]:
    """What is kept of an erased innovator: their place, not who they were."""
    kept = {k: v for k, v in innovator.items() if k not in ("name", "email", "phone")}
    return {**kept, "name": f"Inovator {n}", "email": None, "phone": None, "erased": True}
