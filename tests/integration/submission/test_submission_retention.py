"""Retention (docs/PRIVACY.md, "Retention") on the real database: a closed cycle's
settled proposals lose their innovators once the cycle's retention ran out (awarded
ones keep the names), a person no proposal names any more is erased through the erasure
path (key shredded, ``subject.erased``), once, whatever the number of workers."""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from services.submission import store
from services.submission.adapters.blobs import (
    BlobUnavailable,
    LocalDirectoryBlobs,
    S3Blobs,
    s3_client,
)
from services.submission.config import SubmissionSettings
from services.submission.domain.retention import RetentionPolicy
from services.submission.store.tables import privacy_requests, retention_applied
from services.submission.usecases.retention import JOB, apply_retention
from services.submission.usecases.work import SubmissionWork
from shared.events.envelope import from_record
from tests.integration.submission import review_events as ev
from tests.integration.submission.conftest import ADMIN, Portal

KEYS = "keys-token-for-tests"
AYU = {"name": "Ayu Lestari", "email": "ayu@dinkes.example.go.id", "phone": "081298765432"}
BUDI = {"name": "Budi Santoso", "email": "budi@dinkes.example.go.id", "phone": "081355512345"}
CITRA = {"name": "Citra Dewi", "email": "citra@dinkes.example.go.id", "phone": "081377788899"}
DEWI = {"name": "Dewi Anggraini", "email": "dewi@dinkes.example.go.id", "phone": "081399900011"}
EKA = {"name": "Eka Putra", "email": "eka@dinkes.example.go.id", "phone": "081366655544"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> SubmissionSettings:
    return SubmissionSettings(
        service="submission",
        database_url=database_url,
        admin_token=ADMIN,
        evidence_dir=str(tmp_path / "evidence"),
        proposal_event_version=2,
        subject_keys_token=KEYS,
    )


def work_of(app: Flask) -> Any:
    engine = app.extensions["inagara"].engine
    return lambda: SubmissionWork(engine, store.outbox)


def outbox_events(app: Flask) -> list[Any]:
    with app.extensions["inagara"].engine.connect() as conn:
        rows = conn.execute(select(store.outbox).order_by(store.outbox.c.id)).all()
    return [from_record(r.key, r.value, [(n, v.encode()) for n, v in r.headers]) for r in rows]


def erased_subjects(app: Flask) -> list[str]:
    return [e.data["subject_id"] for e in outbox_events(app) if e.type == "subject.erased"]


def retained_events(app: Flask) -> dict[str, str]:
    found = [e for e in outbox_events(app) if e.type == "proposal.retained"]
    assert all(e.subject == e.data["proposal_id"] for e in found)  # keyed by the proposal
    return {e.data["proposal_id"]: e.data["outcome"] for e in found}


def innovators(app: Flask, proposal_id: str) -> list[list[dict[str, Any]]]:
    """The innovators of the proposal's current profile, then of each version."""
    with app.extensions["inagara"].engine.connect() as conn:
        current = conn.execute(
            select(store.proposals.c.profile).where(store.proposals.c.id == proposal_id)
        ).scalar_one()
        versions = conn.execute(
            select(store.proposal_versions.c.profile).where(
                store.proposal_versions.c.proposal_id == proposal_id
            )
        ).scalars()
        return [p["innovators"] for p in (current, *versions)]


def subject_of(portal: Portal, email: str) -> str:
    with portal.app.extensions["inagara"].engine.connect() as conn:
        return str(
            conn.execute(
                select(store.subjects.c.id).where(store.subjects.c.email == email)
            ).scalar_one()
        )


def key_status(portal: Portal, subject_id: str) -> int:
    response = portal.client.get(
        f"/v1/subjects/{subject_id}/key", headers={"Authorization": f"Bearer {KEYS}"}
    )
    return int(response.status_code)


@pytest.fixture
def season(portal: Portal, admin_key: str) -> dict[str, str]:
    """Cycle 2025 (closed 400 days ago, announced open while its proposals came) and
    cycle 2026 (open): one proposal of each outcome."""
    now = ev.now()
    portal.review(
        ev.cycle_scheduled("2025", now - timedelta(days=1), now + timedelta(days=1), now),
        ev.cycle_scheduled("2026", now - timedelta(days=1), now + timedelta(days=30), now),
    )

    def submitted(*people: dict[str, str], cycle: str = "2025") -> str:
        return str(portal.submitted(admin_key, cycle_id=cycle, innovators=list(people))["id"])

    ids = {
        "not_awarded": submitted(AYU, BUDI),
        "awarded": submitted(CITRA),
        "rejected": submitted(EKA),
        "in_review": submitted(EKA),
        "other_cycle": submitted(BUDI, cycle="2026"),
        "draft": str(portal.draft(admin_key, cycle_id="2025", innovators=[dict(DEWI)])["id"]),
    }
    portal.review(
        ev.decision("proposal.not_awarded", ids["not_awarded"]),
        ev.decision("proposal.awarded", ids["awarded"]),
        ev.decision("proposal.rejected", ids["rejected"]),
        ev.scored(ids["in_review"]),
        ev.cycle_scheduled(
            "2025",
            now - timedelta(days=430),
            now - timedelta(days=400),
            now + timedelta(seconds=1),
        ),
    )
    return ids


def test_a_closed_cycle_past_retention_keeps_only_the_public_record(
    app: Flask, portal: Portal, admin_key: str, season: dict[str, str]
) -> None:
    subjects = {p["name"]: subject_of(portal, p["email"]) for p in (AYU, BUDI, CITRA, EKA)}
    assert apply_retention(RetentionPolicy(365, {"2025": 500}), "w1", work_of(app)) == []

    retained = apply_retention(RetentionPolicy(365), "w1", work_of(app))

    assert retained is not None
    assert {r.proposal_id: r.outcome for r in retained} == {
        season["not_awarded"]: "erased",
        season["rejected"]: "erased",
        season["draft"]: "erased",
        season["awarded"]: "minimised",
    }
    for held in innovators(app, season["not_awarded"]):
        assert [(i["name"], i["email"], i["phone"]) for i in held] == [
            ("Inovator 1", None, None),
            ("Inovator 2", None, None),
        ]
    for held in innovators(app, season["draft"]):
        assert [(i["name"], i["email"]) for i in held] == [("Inovator 1", None)]
    for held in innovators(app, season["awarded"]):  # the public record: the name
        assert [(i["name"], i["email"], i["phone"]) for i in held] == [("Citra Dewi", None, None)]
    for held in innovators(app, season["in_review"]) + innovators(app, season["other_cycle"]):
        assert all(i["email"] for i in held)  # no outcome yet / another cycle: untouched
    shown = portal.proposal(admin_key, season["not_awarded"])
    assert "Ayu" not in str(shown) and "ayu@" not in str(shown)

    # Ayu and Citra are named nowhere else: erased through the erasure path. Budi (in
    # 2026) and Eka (a proposal still in review) are still needed.
    assert sorted(erased_subjects(app)) == sorted([subjects["Ayu Lestari"], subjects["Citra Dewi"]])
    assert key_status(portal, subjects["Ayu Lestari"]) == 410
    assert key_status(portal, subjects["Citra Dewi"]) == 410
    assert key_status(portal, subjects["Budi Santoso"]) == 200
    assert key_status(portal, subjects["Eka Putra"]) == 200

    with app.extensions["inagara"].engine.connect() as conn:
        recorded = conn.execute(
            select(privacy_requests).where(privacy_requests.c.kind == "retention")
        ).all()
    assert len(recorded) == 4
    assert {r.requested_by for r in recorded} == {"retention:2025"}
    assert sorted(s for r in recorded for s in r.subject_ids) == sorted(
        [subjects["Ayu Lestari"], subjects["Citra Dewi"]]
    )

    # The other services hear which proposals lost their innovators (proposal.retained).
    assert retained_events(app) == {r.proposal_id: r.outcome for r in retained}

    # A later round has nothing left to do and raises nothing again.
    assert apply_retention(RetentionPolicy(365), "w2", work_of(app)) == []
    assert len(erased_subjects(app)) == 2 and len(retained_events(app)) == 4


def test_the_outcome_decides_once_it_comes(
    app: Flask, portal: Portal, admin_key: str, season: dict[str, str]
) -> None:
    apply_retention(RetentionPolicy(365), "w1", work_of(app))
    portal.review(ev.decision("proposal.not_awarded", season["in_review"]))

    retained = apply_retention(RetentionPolicy(365), "w1", work_of(app))

    assert retained is not None
    assert [(r.proposal_id, r.outcome) for r in retained] == [(season["in_review"], "erased")]
    eka = retained[0].subjects_erased
    assert len(eka) == 1 and key_status(portal, eka[0]) == 410


def test_one_worker_at_a_time_holds_the_job(app: Flask) -> None:
    now = ev.now()
    work = work_of(app)
    with work() as uow:
        assert uow.retention.take_lease(JOB, "w1", now, timedelta(minutes=15))
    with work() as uow:
        assert not uow.retention.take_lease(JOB, "w2", now, timedelta(minutes=15))
    assert apply_retention(RetentionPolicy(365), "w2", work, now=now) is None
    with work() as uow:  # a holder that died: its lease runs out
        assert uow.retention.take_lease(JOB, "w2", now + timedelta(minutes=16), timedelta(1))
    with work() as uow:
        uow.retention.end_lease(JOB, "w2", now)
    with work() as uow:
        assert uow.retention.take_lease(JOB, "w1", now, timedelta(minutes=15))


def test_workers_racing_retain_each_proposal_once(
    app: Flask, portal: Portal, season: dict[str, str]
) -> None:
    start = threading.Barrier(4)
    results: list[Any] = []

    def worker(n: int) -> None:
        start.wait()
        try:
            results.append(apply_retention(RetentionPolicy(365), f"w{n}", work_of(app)))
        except Exception as exc:  # a lost race must not be hidden
            results.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not [r for r in results if isinstance(r, Exception)], results
    done = [r.proposal_id for rs in results if rs for r in rs]
    assert sorted(done) == sorted(
        season[k] for k in ("not_awarded", "rejected", "draft", "awarded")
    )
    assert len(erased_subjects(app)) == 2  # Ayu and Citra, once each
    with app.extensions["inagara"].engine.connect() as conn:
        assert len(conn.execute(select(retention_applied)).all()) == 4


def upload(portal: Portal, key: str, proposal_id: str, name: str) -> dict[str, Any]:
    answer = portal.as_agency(
        key,
        "POST",
        f"/v1/proposals/{proposal_id}/evidence",
        data={"file": (io.BytesIO(b"%PDF-1.7\n" + proposal_id.encode()), name)},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201, answer.get_json()
    return dict(answer.get_json())


def evidence_state(app: Flask, proposal_id: str) -> tuple[list[str], list[Any]]:
    """(the storage keys of the proposal's evidence rows, each version's evidence list)."""
    with app.extensions["inagara"].engine.connect() as conn:
        keys = conn.execute(
            select(store.evidence.c.storage_key).where(store.evidence.c.proposal_id == proposal_id)
        ).scalars()
        versions = conn.execute(
            select(store.proposal_versions.c.evidence).where(
                store.proposal_versions.c.proposal_id == proposal_id
            )
        ).scalars()
        return list(keys), [v for v in versions if v]


def test_an_erased_proposal_loses_its_evidence_files_an_awarded_one_keeps_them(
    app: Flask, portal: Portal, admin_key: str, settings: SubmissionSettings
) -> None:
    """Evidence may name people (a scanned ID, a file called after its author): an erased
    proposal's files go (bytes, rows, names in the versions), once, and are counted; an
    awarded proposal keeps them as the record of what won. An evidence store that does
    not answer leaves the proposal for the next round, nothing half done."""
    now = ev.now()
    portal.review(ev.cycle_scheduled("2025", now - timedelta(days=1), now + timedelta(days=1), now))
    ids: dict[str, str] = {}
    for outcome, person in (("rejected", EKA), ("awarded", CITRA), ("draft", DEWI)):
        pid = str(portal.draft(admin_key, cycle_id="2025", innovators=[dict(person)])["id"])
        upload(portal, admin_key, pid, f"KTP {person['name']}.pdf")
        upload(portal, admin_key, pid, "laporan.pdf")
        if outcome != "draft":
            sent = portal.as_agency(admin_key, "POST", f"/v1/proposals/{pid}/submit")
            assert sent.status_code == 200, sent.get_json()
        ids[outcome] = pid
    portal.review(
        ev.decision("proposal.rejected", ids["rejected"]),
        ev.decision("proposal.awarded", ids["awarded"]),
        ev.cycle_scheduled(
            "2025", now - timedelta(days=430), now - timedelta(days=400), now + timedelta(seconds=1)
        ),
    )
    folder = Path(settings.evidence_dir)
    stored = {o: evidence_state(app, pid)[0] for o, pid in ids.items()}
    assert all(
        len(keys) == 2 and all((folder / k).is_file() for k in keys) for keys in stored.values()
    )

    unreachable = S3Blobs(
        s3_client(
            SubmissionSettings(
                service="submission",
                evidence_s3_endpoint_url="http://127.0.0.1:9",
                evidence_s3_access_key_id="x",
                evidence_s3_secret_access_key="x",
                evidence_s3_region="us-east-1",
            )
        ),
        "evidence",
    )
    with pytest.raises(BlobUnavailable):
        apply_retention(RetentionPolicy(365), "w1", work_of(app), blobs=unreachable)
    assert evidence_state(app, ids["rejected"])[0] == stored["rejected"], "rolled back"
    with work_of(app)() as uow:  # the failed round's lease is given back
        uow.retention.end_lease(JOB, "w1", ev.now())

    retained = apply_retention(
        RetentionPolicy(365), "w1", work_of(app), blobs=LocalDirectoryBlobs(folder)
    )

    assert retained is not None
    assert {r.proposal_id: (r.outcome, r.evidence_deleted) for r in retained} == {
        ids["rejected"]: ("erased", 2),
        ids["draft"]: ("erased", 2),
        ids["awarded"]: ("minimised", 0),
    }
    for outcome in ("rejected", "draft"):
        keys, versions = evidence_state(app, ids[outcome])
        assert keys == [] and not any((folder / k).exists() for k in stored[outcome])
        for files in versions:  # what was assessed stays, its names go
            assert [(f["filename"], f["deleted"]) for f in files] == [
                ("berkas-1", True),
                ("berkas-2", True),
            ]
            assert all(f["sha256"] and f["size"] for f in files)
    rejected_versions = evidence_state(app, ids["rejected"])[1]
    assert rejected_versions and "Eka" not in str(rejected_versions)
    keys, versions = evidence_state(app, ids["awarded"])
    assert keys == stored["awarded"] and all((folder / k).is_file() for k in keys)
    assert "KTP Citra Dewi.pdf" in str(versions)
    listed = portal.as_agency(admin_key, "GET", f"/v1/proposals/{ids['rejected']}/evidence")
    assert listed.status_code == 200 and "KTP" not in listed.get_data(as_text=True)

    assert (
        apply_retention(RetentionPolicy(365), "w2", work_of(app), blobs=LocalDirectoryBlobs(folder))
        == []
    )
