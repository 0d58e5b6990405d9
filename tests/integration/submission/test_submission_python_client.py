"""The generated Python client (clients/python) against the submission API: a portal
posts a proposal with an Idempotency-Key, posts it again, and gets the same one."""

from __future__ import annotations

import uuid

import httpx
from flask import Flask
from inagara_submission_client import AuthenticatedClient
from inagara_submission_client.api.proposals import (
    get_v1_proposals_proposal_id,
    post_v1_proposals,
)
from inagara_submission_client.models import Proposal, ProposalWrite

from tests.integration.submission.conftest import Portal, profile


def test_the_generated_client_posts_a_proposal_once(portal: Portal, app: Flask) -> None:
    agency = portal.agency()
    key = portal.key(agency["id"])
    client = AuthenticatedClient(base_url="http://submission", token=key)
    client.set_httpx_client(
        httpx.Client(
            base_url="http://submission",
            transport=httpx.WSGITransport(app=app),
            headers={"Authorization": f"Bearer {key}"},
        )
    )
    body = ProposalWrite.from_dict(profile(title="Posyandu Digital dari klien"))
    idempotency_key = str(uuid.uuid4())

    first = post_v1_proposals.sync_detailed(
        client=client, body=body, idempotency_key=idempotency_key
    )
    again = post_v1_proposals.sync(client=client, body=body, idempotency_key=idempotency_key)

    assert first.status_code == 201, first.content
    assert isinstance(first.parsed, Proposal) and isinstance(again, Proposal)
    assert again.id == first.parsed.id
    assert first.parsed.profile.title == "Posyandu Digital dari klien"
    read = get_v1_proposals_proposal_id.sync(proposal_id=first.parsed.id, client=client)
    assert isinstance(read, Proposal) and read.id == first.parsed.id
    listed = portal.as_agency(key, "GET", "/v1/proposals").get_json()["items"]
    assert [p["id"] for p in listed] == [first.parsed.id]
