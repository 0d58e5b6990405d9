"""Two requests changing one proposal at once: exactly one wins, the other is told to retry."""

from __future__ import annotations

import threading

from sqlalchemy import select

from services.submission import domain
from services.submission.store import registry
from services.submission.store.tables import metadata, outbox, proposal_versions
from services.submission.usecases import proposals as proposal_records
from services.submission.usecases.proposals import ConcurrentChange
from services.submission.usecases.work import SubmissionWork
from shared.platform.db import create_schema, make_engine

PROFILE = {"title": "t", "category": "health", "maturity": "trial"}


def test_concurrent_edits_of_one_version_do_not_both_win(database_url: str) -> None:
    engine = make_engine(database_url)
    create_schema(engine, metadata)
    with engine.begin() as conn:
        agency = registry.create_agency(conn, "DINKES", "Dinas", "dinas")
    caller = registry.Caller(agency, domain.AGENCY_ADMIN)
    draft = proposal_records.CreateProposal(caller, PROFILE, None, as_draft=True)
    pid = proposal_records.create_proposal(draft, SubmissionWork(engine, outbox))["id"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def step(uow: object, proposal: domain.Proposal, now: object) -> domain.Proposal:
        barrier.wait(timeout=5)  # both have read version 1 before either writes
        return domain.lifecycle.edit(proposal, PROFILE, None, now)  # type: ignore[arg-type]

    def edit() -> None:
        try:
            work = SubmissionWork(engine, outbox)
            proposal_records._change(work, caller, pid, step)  # type: ignore[arg-type]
            outcomes.append("won")
        except ConcurrentChange:
            outcomes.append("retry")

    threads = [threading.Thread(target=edit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(outcomes) == ["retry", "won"]
    with engine.connect() as conn:
        versions = conn.execute(select(proposal_versions.c.version)).scalars().all()
    assert sorted(versions) == [1, 2]
    engine.dispose()
