"""A season with two award categories and a field verification stage over the real
processes: every finalist's presentation and field visit is scheduled through the review
API; the steps reach each finalist's timeline in the submission API, the innovators' email
and SMS (and the day-before reminder, the steps being within a day), the agency contact's
email and the visiting reviewer's email; an unverified finalist's award is a 409, a
verified one's goes through.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from deploy.local.mailcatcher import read_mail
from deploy.local.ports import free_port
from deploy.local.smsgateway import read_sms
from deploy.local.stack import DEMO_PROPOSAL, SERVICES, Stack, StackConfig
from tests.e2e.test_award_categories import CATEGORIES, _reviewer
from tests.e2e.test_instant_season import quiet_hours_away_from_now
from tests.e2e.test_review_timeline import Review, eventually

pytestmark = pytest.mark.e2e
ADMIN = "e2e-review-admin"
AGENCIES = {"DINKES": "public_service", "BAPPEDA": "governance"}
STEPS = ("proposal.presentation_scheduled", "proposal.visit_scheduled")


@pytest.fixture
def stack(
    kafka_bootstrap: str, database_factory: Callable[[], str], tmp_path: Path
) -> Iterator[Stack]:
    config = StackConfig(
        var_dir=tmp_path / "var",
        admin_token=ADMIN,
        ports={service: free_port() for service in SERVICES},
        broker_port=0,
        smtp_port=free_port(),
        kafka_bootstrap_servers=kafka_bootstrap,
        database_urls={service: database_factory() for service in SERVICES},
        web_workers=1,
        sms_gateway=True,
        extra_env={
            "SMS_QUIET_HOURS": quiet_hours_away_from_now(),
            "INSTANT_DAILY_CAP": "0",
            "INSTANT_DEFAULT_CHANNEL": "sms",
            "REVIEW_REMINDER_CHECK_INTERVAL_S": "1",
        },
    )
    stack = Stack(config).start()
    yield stack
    stack.stop()


def scheduled_season(
    stack: Stack,
) -> tuple[Review, str, dict[str, dict[str, Any]], dict[str, Any]]:
    """A two-category cycle with field verification, every finalist scheduled and told:
    the review client, the cycle, the proposals (by id) and the visiting reviewer."""
    review = Review(stack)
    stack.await_agencies(*(f"PENILAI{i}" for i in range(3)))
    tokens = [_reviewer(review, f"PENILAI{i}") for i in range(3)]
    visitor = review.call("GET", "/v1/users").json()["items"]
    visitor = next(u for u in visitor if u["agency_code"] == "PENILAI0")
    now = datetime.now(UTC)
    cycle = review.call(
        "POST",
        "/v1/cycles",
        json={
            "name": "Anugerah Inovasi dengan verifikasi",
            "year": now.year,
            "submission_opens_at": (now - timedelta(days=1)).isoformat(),
            "submission_closes_at": (now + timedelta(days=30)).isoformat(),
            "review_deadline": (now + timedelta(days=60)).isoformat(),
            "categories": CATEGORIES,
            "field_verification": True,
        },
    )
    assert cycle.status_code == 201, cycle.text
    cid = cycle.json()["id"]

    submission = stack.config.base_url("submission")
    proposals: dict[str, dict[str, Any]] = {}
    for n, (code, form) in enumerate(AGENCIES.items()):
        key = stack.create_demo_agency(code, f"Dinas {code}")
        address = f"inovator-{code.lower()}-{uuid.uuid4().hex[:6]}@example.go.id"
        phone = f"+62812555000{n}"
        body = {
            **DEMO_PROPOSAL,
            "title": f"Inovasi {code}",
            "form": form,
            "cycle_id": cid,
            "innovators": [
                {
                    "name": f"Inovator {code}",
                    "email": address,
                    "phone": phone,
                    "instant_channel": "sms",
                    # consent captured by the portal: the lawful basis for an SMS
                    "instant_consent_at": "2026-02-27T09:00:00+07:00",
                }
            ],
        }

        def submitted(body: dict[str, Any] = body, key: str = key) -> dict[str, Any] | None:
            answer = requests.post(
                f"{submission}/v1/proposals",
                json=body,
                headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
                timeout=10,
            )
            return dict(answer.json()) if answer.status_code == 201 else None

        made = eventually(submitted, f"{code}'s proposal accepted in the cycle")
        proposals[made["id"]] = {"code": code, "address": address, "phone": phone, "key": key}

    def assigned() -> bool | None:
        seen = [review.call("GET", f"/v1/proposals/{pid}").json() for pid in proposals]
        return all(p.get("status") == "assigned" for p in seen) or None

    eventually(assigned, "every proposal screened and assigned")
    rubric = review.call("GET", f"/v1/cycles/{cid}/rubrics/desk").json()
    for token in tokens:
        for held in review.call("GET", "/v1/assignments", token).json()["items"]:
            if held["proposal_id"] in proposals:
                scores = {c["key"]: min(c["scale_max"], 3) for c in rubric["criteria"]}
                answer = review.call(
                    "PUT", f"/v1/assignments/{held['id']}/review", token, json={"scores": scores}
                )
                assert answer.status_code == 200, answer.text

    def scored() -> bool | None:
        seen = [review.call("GET", f"/v1/proposals/{pid}").json() for pid in proposals]
        return all(p.get("status") == "scored" for p in seen) or None

    eventually(scored, "every proposal scored")
    soon = (datetime.now(UTC) + timedelta(hours=3)).replace(second=0, microsecond=0)
    for pid in proposals:
        decided = review.call(
            "POST", f"/v1/proposals/{pid}/decisions", json={"decision": "shortlist"}
        )
        assert decided.status_code == 200, decided.text
        presentation = review.call(
            "PUT",
            f"/v1/proposals/{pid}/presentation",
            json={
                "starts_at": soon.isoformat(),
                "duration_minutes": 30,
                "place": "Aula Bappeda",
                "online_url": "https://meet.example.go.id/anugerah",
            },
        )
        assert presentation.status_code == 200, presentation.text
        visit = review.call(
            "PUT",
            f"/v1/proposals/{pid}/visit",
            json={
                "starts_at": (soon + timedelta(hours=2)).isoformat(),
                "duration_minutes": 90,
                "address": "Jl. Panglima Sudirman 1",
                "team": [{"reviewer_id": visitor["id"]}, {"name": "Ibu Sari"}],
            },
        )
        assert visit.status_code == 200, visit.text

    for pid, p in proposals.items():

        def on_timeline(pid: str = pid, key: str = p["key"]) -> list[dict[str, Any]] | None:
            got = requests.get(
                f"{submission}/v1/proposals/{pid}/timeline",
                headers={"Authorization": f"Bearer {key}"},
                timeout=10,
            )
            items = [i for i in got.json().get("items", []) if i["type"] in STEPS]
            return items if len(items) == 2 else None

        steps = eventually(on_timeline, f"{p['code']}'s presentation and visit on its timeline")
        visit_facts = next(i for i in steps if i["type"] == "proposal.visit_scheduled")["facts"]
        assert visit_facts["team"] == [visitor["name"], "Ibu Sari"]
        assert visit_facts["address"] == "Jl. Panglima Sudirman 1"

        for said in (
            "Presentasi dijadwalkan",
            "Kunjungan lapangan dijadwalkan",
            "Pengingat: presentasi",
            "Pengingat: kunjungan lapangan",
        ):
            eventually(
                lambda a=p["address"], said=said: [
                    m
                    for m in read_mail(stack.config.mail_dir)
                    if a in m.rcpt_tos and said in m.subject
                ],
                f"{p['code']}'s innovator emailed: {said}",
            )
        for said in ("presentasi usulan", "kunjungan lapangan usulan", "pengingat"):
            texts = eventually(
                lambda n=p["phone"], said=said: [
                    s.text for s in read_sms(stack.config.sms_dir) if s.to == n and said in s.text
                ],
                f"{p['code']}'s innovator sent an SMS: {said}",
            )
            assert len(texts) >= 1
    reviewer_mail = eventually(
        lambda: (
            [
                m
                for m in read_mail(stack.config.mail_dir)
                if visitor["email"] in m.rcpt_tos and "Kunjungan lapangan dijadwalkan" in m.subject
            ]
            or None
        ),
        "the visiting reviewer gets their schedule",
    )
    assert len(reviewer_mail) == len(proposals), "once per finalist visited, not again"

    return review, cid, proposals, visitor


def test_every_finalist_has_its_presentation_and_visit_told_and_only_verified_ones_win(
    stack: Stack,
) -> None:
    review, cid, proposals, _ = scheduled_season(stack)
    first, second = list(proposals)
    codes = {
        pid: review.call("GET", f"/v1/proposals/{pid}").json()["award_category"]
        for pid in proposals
    }
    refused = review.call(
        "POST",
        f"/v1/cycles/{cid}/awards",
        json={"category": codes[first], "awards": [{"proposal_id": first, "award": "Terbaik"}]},
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "award.unverified_finalist"
    for pid in proposals:
        verified = review.call(
            "POST", f"/v1/proposals/{pid}/verification", json={"result": "pass", "note": "Berjalan"}
        )
        assert verified.status_code == 200, verified.text
        awarded = review.call(
            "POST",
            f"/v1/cycles/{cid}/awards",
            json={"category": codes[pid], "awards": [{"proposal_id": pid, "award": "Terbaik"}]},
        )
        assert awarded.status_code == 200, awarded.text
    assert second in proposals
    assert not stack.failed()
