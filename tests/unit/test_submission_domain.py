"""Pure rules of the submission service: API keys and submitting a proposal."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import pytest

from services.submission import domain

SECRET = re.compile(r"^inag_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$")


def test_minted_secret_has_the_documented_format() -> None:
    key = domain.mint_api_key()

    match = SECRET.match(key.secret)

    assert match is not None, key.secret
    assert match.group(1) == key.prefix


def test_only_the_hash_of_the_secret_is_kept() -> None:
    key = domain.mint_api_key()

    assert key.hash == domain.hash_secret(key.secret)
    assert key.hash == hashlib.sha256(key.secret.encode()).hexdigest()
    assert key.secret not in key.hash


def test_minted_keys_differ() -> None:
    keys = [domain.mint_api_key() for _ in range(20)]
    assert len({k.secret for k in keys}) == 20
    assert len({k.hash for k in keys}) == 20


def test_key_prefix_reads_the_prefix_of_every_minted_key() -> None:
    # token_urlsafe may contain "_": the prefix must still be the second part.
    for _ in range(200):
        key = domain.mint_api_key()
        assert domain.key_prefix(key.secret) == key.prefix


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "inag",
        "inag_0123abcd",
        "inag_0123abc_rest",
        "inag_0123abcde_rest",
        "INAG_0123abcd_rest",
        "gani_0123abcd_rest",
        "Bearer inag_0123abcd_rest",
    ],
)
def test_key_prefix_rejects_what_cannot_be_our_key(secret: str) -> None:
    assert domain.key_prefix(secret) is None


def test_hash_secret_is_stable() -> None:
    assert domain.hash_secret("inag_0123abcd_x") == domain.hash_secret("inag_0123abcd_x")
    assert domain.hash_secret("inag_0123abcd_x") != domain.hash_secret("inag_0123abcd_y")


def test_submit_proposal_records_exactly_one_submitted_event() -> None:
    agency = domain.Agency(id="ag-1", code="DINKES", name="Dinas Kesehatan")
    now = datetime(2025, 2, 3, 4, 5, 6, tzinfo=UTC)
    profile = {"title": "Posyandu Digital"}

    proposal = domain.submit_proposal(agency, profile, now, "p-1")

    assert proposal.events == (
        domain.ProposalSubmitted(
            proposal_id="p-1", version=1, agency=agency, submitted_at=now, profile=profile
        ),
    )
    assert proposal.id == "p-1"
    assert proposal.agency_id == "ag-1"
    assert proposal.status == domain.SUBMITTED
    assert proposal.version == 1
    assert proposal.created_at == proposal.submitted_at == now


def test_new_proposal_ids_are_unique() -> None:
    assert len({domain.new_proposal_id() for _ in range(50)}) == 50
