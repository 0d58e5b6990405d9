"""Issue 19's bar over the real processes: agencies' portals hear back by webhook.

Three agencies register endpoints on a local portal stand-in (deploy/local/portal.py);
a season runs through the real services (submission, review's screening, assignment,
scoring and decisions, notification). Every event arrives signed and verifies with the
reference ``standardwebhooks`` library; each agency sees only its own proposal; the
portal that answers 500 for a while receives everything once it recovers; the one that
never answers 2xx is disabled after the retry period and its agency's contact is
emailed (caught by the mail catcher).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from standardwebhooks import Webhook

from deploy.local.mailcatcher import read_mail
from deploy.local.portal import PortalServer
from deploy.local.stack import DEMO_PROPOSAL, Stack
from services.notification.domain.webhooks import NOT_SENT_PREFIX
from services.notification.store.deliveries import PARKED_NOTE
from tests.e2e.stacks import session_stack_config
from tests.polling import eventually

pytestmark = pytest.mark.e2e
ADMIN = "e2e-webhooks-admin"
PASSWORD = "correct horse battery"
RETRY_PERIOD_S = 20


@pytest.fixture
def portal() -> Iterator[PortalServer]:
    with PortalServer() as server:
        yield server


@pytest.fixture
def stack(
    kafka_bootstrap: str, database_factory: Callable[[], str], tmp_path: Path
) -> Iterator[Stack]:
    config = session_stack_config(
        tmp_path,
        kafka_bootstrap,
        database_factory,
        ADMIN,
        web_workers=1,
        extra_env={
            "WEBHOOK_RETRY_PERIOD_S": str(RETRY_PERIOD_S),
            "WEBHOOK_RETRY_CAP_S": "2",
            "NOTIFICATION_RETRY_BASE_S": "0.3",
            "WEBHOOK_SENDERS": "2",
        },
    )
    stack = Stack(config).start()
    yield stack
    stack.stop()


class Api:
    def __init__(self, stack: Stack) -> None:
        self.submission = stack.config.base_url("submission")
        self.review = stack.config.base_url("review")

    def call(self, method: str, url: str, token: str = ADMIN, **kwargs: Any) -> Any:
        answer = requests.request(
            method, url, headers={"Authorization": f"Bearer {token}"}, timeout=10, **kwargs
        )
        assert answer.status_code < 300, answer.text
        return answer.json() if answer.content else None

    def agency(self, code: str) -> tuple[str, str, str]:
        """(agency id, agency_admin key, contact email) of a new agency."""
        contact = f"webmaster@{code.lower()}.example.go.id"
        made = self.call(
            "POST",
            f"{self.submission}/v1/agencies",
            json={"code": code, "name": f"Dinas {code}", "type": "dinas", "contact_email": contact},
        )
        key = self.call(
            "POST",
            f"{self.submission}/v1/agencies/{made['id']}/keys",
            json={"role": "agency_admin"},
        )
        return made["id"], key["secret"], contact


def test_a_season_reaches_each_agencys_portal_signed_and_only_its_own(
    stack: Stack, portal: PortalServer
) -> None:
    api = Api(stack)
    reviewers = []
    stack.await_agencies("BAPPEDA", "UNIV", "DISKOMINFO")  # refused while unknown
    for code in ("BAPPEDA", "UNIV", "DISKOMINFO"):
        email = f"{code.lower()}-{uuid.uuid4().hex[:6]}@penilai.example.go.id"
        api.call(
            "POST",
            f"{api.review}/v1/users",
            json={
                "name": f"Penilai {code}",
                "email": email,
                "password": PASSWORD,
                "agency_code": code,
                "phone": "081234567890",
            },
        )
        token = requests.post(
            f"{api.review}/v1/auth/tokens", json={"email": email, "password": PASSWORD}, timeout=10
        ).json()["token"]
        reviewers.append(token)
    now = datetime.now(UTC)
    cid = api.call(
        "POST",
        f"{api.review}/v1/cycles",
        json={
            "name": "Inovasi Daerah webhooks",
            "year": now.year,
            "submission_opens_at": (now - timedelta(days=1)).isoformat(),
            "submission_closes_at": (now + timedelta(days=30)).isoformat(),
            "review_deadline": (now + timedelta(days=60)).isoformat(),
            "award_count": 1,
        },
    )["id"]

    agencies = {code: api.agency(code) for code in ("DINKES", "DISDIK", "DISHUB")}
    secrets, endpoints = {}, {}
    for code, (agency_id, key, _) in agencies.items():
        created = api.call(
            "POST",
            f"{api.submission}/v1/agencies/{agency_id}/webhooks",
            key,
            json={"url": portal.hook_url(code.lower()), "description": f"Portal {code}"},
        )
        secrets[code] = created["secret"]
        endpoints[code] = f"{api.submission}/v1/agencies/{agency_id}/webhooks/{created['id']}"
    portal.portal.plan("disdik", [500, 500, 503])  # down for a while, then fine
    portal.portal.plan("dishub", [500] * 100_000)  # never fine

    def cycle_known() -> bool:
        items = api.call("GET", f"{api.submission}/v1/cycles", agencies["DINKES"][1])["items"]
        return any(item["id"] == cid for item in items)

    eventually(cycle_known, "the cycle announced to the submission service")
    proposals = {}
    for code, (_, key, _) in agencies.items():
        posted = requests.post(
            f"{api.submission}/v1/proposals",
            json={**DEMO_PROPOSAL, "title": f"Inovasi {code}", "cycle_id": cid},
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
            timeout=10,
        )
        assert posted.status_code == 201, posted.text
        proposals[code] = posted.json()["id"]

    def all_assigned() -> bool:
        return all(
            requests.get(
                f"{api.review}/v1/proposals/{pid}",
                headers={"Authorization": f"Bearer {ADMIN}"},
                timeout=10,
            )
            .json()
            .get("status")
            == "assigned"
            for pid in proposals.values()
        )

    eventually(all_assigned, "three proposals screened and assigned")
    rubric = api.call("GET", f"{api.review}/v1/cycles/{cid}/rubrics/desk")
    level = {proposals["DINKES"]: 3, proposals["DISDIK"]: 2, proposals["DISHUB"]: 1}
    for token in reviewers:
        for held in api.call("GET", f"{api.review}/v1/assignments", token)["items"]:
            if held["proposal_id"] not in level:
                continue  # another test's proposal on the shared broker
            scores = {
                c["key"]: min(c["scale_max"], level[held["proposal_id"]])
                for c in rubric["criteria"]
            }
            api.call(
                "PUT",
                f"{api.review}/v1/assignments/{held['id']}/review",
                token,
                json={"scores": scores},
            )
    for code in ("DINKES", "DISDIK"):
        api.call(
            "POST",
            f"{api.review}/v1/proposals/{proposals[code]}/decisions",
            json={"decision": "shortlist"},
        )
    api.call(
        "POST",
        f"{api.review}/v1/proposals/{proposals['DISHUB']}/decisions",
        json={"decision": "reject", "note": "Kurang bukti"},
    )
    api.call(
        "POST",
        f"{api.review}/v1/cycles/{cid}/awards",
        json={"awards": [{"proposal_id": proposals["DINKES"], "award": "Juara 1"}]},
    )

    expected = {
        "DINKES": [
            "proposal.awarded",
            "proposal.scored",
            "proposal.shortlisted",
            "proposal.submitted",
        ],
        "DISDIK": [
            "proposal.not_awarded",
            "proposal.scored",
            "proposal.shortlisted",
            "proposal.submitted",
        ],
    }
    for code, types in expected.items():

        def arrived(code: str = code, types: list[str] = types) -> list[dict[str, Any]] | None:
            got = [
                Webhook(secrets[code]).verify(r.body, r.headers)
                for r in portal.portal.received(code.lower())
            ]
            return got if sorted(e["type"] for e in got) == types else None

        events = eventually(arrived, f"{code}'s season at its portal")
        assert {e["subject"] for e in events} == {proposals[code]}
        assert all(e["data"]["proposal_id"] == proposals[code] for e in events)
        assert "decided_by" not in str(events) and "penilai" not in str(events).lower()
    assert portal.portal.requests["disdik"] > len(expected["DISDIK"])  # it did fail first

    # DISHUB's portal never answered 2xx: after the retry period, its endpoint is disabled
    # and its contact is told.
    contact = agencies["DISHUB"][2]

    def told() -> bool:
        return any(
            contact in m.rcpt_tos and "Webhook dinonaktifkan" in m.subject
            for m in read_mail(stack.config.mail_dir)
        )

    eventually(told, "the disabled endpoint's agency emailed", timeout_s=RETRY_PERIOD_S + 60)
    assert portal.portal.received("dishub") == []
    notification = stack.config.base_url("notification")

    def held_back(delivery: dict[str, Any]) -> bool:
        """Failed, but kept for when the endpoint is enabled: it disabled the endpoint (or
        failed for the retry period as another did), or its turn came once disabled."""
        error = delivery["last_error"] or ""
        return delivery["note"] == PARKED_NOTE or error.startswith(NOT_SENT_PREFIX)

    def parked() -> list[dict[str, Any]] | None:
        items = api.call(
            "GET",
            f"{notification}/v1/deliveries",
            params={"proposal_id": proposals["DISHUB"], "channel": "webhook"},
        )["items"]
        failed = [d for d in items if d["status"] == "failed"]
        pending = [d for d in items if d["status"] == "pending"]
        kept = len(items) == 3 and len(failed) + len(pending) == 3
        return items if kept and failed and all(map(held_back, failed)) else None

    # The one that failed for the retry period disabled the endpoint; the others are kept
    # for when it is enabled (no request meanwhile). Under load two may spend their
    # retry period at once: then both are failed, and both kept.
    kept = eventually(parked, "DISHUB's webhook deliveries kept", timeout_s=30)
    tried = portal.portal.requests["dishub"]
    failed = next(d for d in kept if d["note"] == PARKED_NOTE)
    first = api.call("GET", f"{notification}/v1/deliveries/{failed['id']}")
    assert any("HTTP 500" in (a["error"] or "") for a in first["attempt_log"])

    # The submission API shows it disabled (the notification service told it).
    dishub_key = agencies["DISHUB"][1]

    def shown_disabled() -> dict[str, Any] | None:
        endpoint: dict[str, Any] = api.call("GET", endpoints["DISHUB"], dishub_key)
        return endpoint if endpoint["state"] == "disabled" else None

    endpoint = eventually(shown_disabled, "DISHUB's endpoint shown disabled", timeout_s=30)
    assert "HTTP 500" in endpoint["disabled_reason"] and endpoint["disabled_at"]

    # The agency reads its delivery log with its API key (not the endpoint secret).
    log_url = f"{notification}/v1/webhooks/{endpoint['id']}/deliveries"

    def log_with_key() -> list[dict[str, Any]] | None:
        answer = requests.get(
            log_url, headers={"Authorization": f"Bearer {dishub_key}"}, timeout=10
        )
        return answer.json()["items"] if answer.status_code == 200 else None

    logged = eventually(log_with_key, "DISHUB's delivery log read with its API key")
    assert {d["id"] for d in logged} >= {d["id"] for d in kept}
    other_key = agencies["DINKES"][1]
    refused = requests.get(log_url, headers={"Authorization": f"Bearer {other_key}"}, timeout=10)
    assert refused.status_code == 401
    assert portal.portal.requests["dishub"] == tried

    # DISHUB fixes its portal and enables the endpoint: its season arrives, in order.
    portal.portal.plan("dishub", [])
    enabled = api.call("PATCH", endpoints["DISHUB"], dishub_key, json={"state": "active"})
    assert enabled["state"] == "active" and enabled["disabled_at"] is None

    def dishub_season() -> list[dict[str, Any]] | None:
        got = [
            Webhook(secrets["DISHUB"]).verify(r.body, r.headers)
            for r in portal.portal.received("dishub")
        ]
        return got if len(got) == 3 else None

    season = eventually(dishub_season, "DISHUB's season after it was enabled", timeout_s=60)
    assert [e["type"] for e in season] == [
        "proposal.submitted",
        "proposal.scored",
        "proposal.rejected",
    ]
    assert {e["subject"] for e in season} == {proposals["DISHUB"]}
    assert not stack.failed()
