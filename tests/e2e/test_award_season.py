"""Issue 15's season, whole, over the real processes: two award categories with a field
verification stage; every finalist's presentation and field visit scheduled and told
(timeline, email, SMS); the shortlist published for public objection through the review
API, shown by the results service with a link to the objection form; an objection filed
without a login, holding back its category's award until resolved, the objector told of
both; awards per category once verified; the results published, and the results
service's page and feed show exactly what was published (no score, no reviewer).
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


def test_a_season_runs_from_schedule_and_objection_to_the_public_results(
    stack: Stack,
) -> None:
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

    codes = {
        pid: review.call("GET", f"/v1/proposals/{pid}").json()["award_category"]
        for pid in proposals
    }
    assert sorted(codes.values()) == ["pelayanan_publik", "tata_kelola"], codes

    # Uji publik: the shortlist published for seven days; the public page links the form.
    published = review.call("POST", f"/v1/cycles/{cid}/shortlist/publication", json={"days": 7})
    assert published.status_code == 200, published.text
    assert {e["proposal_id"] for e in published.json()["entries"]} == set(proposals)
    public = stack.config.base_url("results")
    review_base = stack.config.base_url("review")
    first = next(pid for pid, p in proposals.items() if p["code"] == "DINKES")

    def open_for_objection() -> str | None:
        page = requests.get(f"{public}/siklus/{cid}", timeout=10)
        return page.text if page.status_code == 200 and "Ajukan keberatan" in page.text else None

    page = eventually(open_for_objection, "the shortlist on the public page, open to objection")
    assert f"{review_base}/publik/keberatan?proposal={first}" in page

    objector = f"warga-{uuid.uuid4().hex[:6]}@example.org"
    filed = requests.post(
        f"{review_base}/v1/public/objections",
        data={
            "proposal_id": first,
            "name": "Warga Peduli",
            "email": objector,
            "reason": "Layanan ini sudah ada sebelum siklus ini; mohon diperiksa kebaruannya.",
        },
        files={"file": ("bukti.pdf", b"%PDF-1.4\n% bukti\n", "application/pdf")},
        timeout=10,
    )
    assert filed.status_code == 201, filed.text

    def mails_to(address: str, said: str) -> list[Any] | None:
        found = [
            m
            for m in read_mail(stack.config.mail_dir)
            if address in m.rcpt_tos and said in m.part("plain")
        ]
        return found or None

    eventually(lambda: mails_to(objector, "Keberatan Anda atas inovasi"), "the receipt")
    for pid in proposals:
        verified = review.call(
            "POST", f"/v1/proposals/{pid}/verification", json={"result": "pass", "note": "Berjalan"}
        )
        assert verified.status_code == 200, verified.text
    held = review.call(
        "POST",
        f"/v1/cycles/{cid}/awards",
        json={"category": codes[first], "awards": [{"proposal_id": first, "award": "Terbaik"}]},
    )
    assert held.status_code == 409 and held.json()["code"] == "award.objection_open", held.text
    resolved = review.call(
        "POST",
        f"/v1/objections/{filed.json()['id']}/answer",
        json={"answer": "Sudah kami periksa di lapangan: inovasi ini baru.", "status": "resolved"},
    )
    assert resolved.status_code == 200, resolved.text
    eventually(lambda: mails_to(objector, "Sudah kami periksa di lapangan"), "the answer")

    for pid in proposals:
        awarded = review.call(
            "POST",
            f"/v1/cycles/{cid}/awards",
            json={"category": codes[pid], "awards": [{"proposal_id": pid, "award": "Terbaik"}]},
        )
        assert awarded.status_code == 200, awarded.text
    results = review.call("POST", f"/v1/cycles/{cid}/results", json={"scores": False})
    assert results.status_code == 200, results.text

    def the_results() -> dict[str, Any] | None:
        answer = requests.get(f"{public}/v1/cycles/{cid}", timeout=10)
        feed = answer.json() if answer.status_code == 200 else {}
        return feed if feed.get("stage") == "results" else None

    feed = eventually(the_results, "the published results in the public feed")
    side = {g["code"]: g for g in feed["by_category"]}
    assert sorted(side) == ["pelayanan_publik", "tata_kelola"]
    for pid, p in proposals.items():
        group = side[codes[pid]]
        assert [(e["proposal_id"], e["award"]) for e in group["awards"]] == [(pid, "Terbaik")]
        assert [e["title"] for e in group["shortlist"]] == [f"Inovasi {p['code']}"]
    text = str(feed)
    assert feed["scores_published"] is False and "'score'" not in text
    assert visitor["name"] not in text and "@" not in text, "no reviewer, no address"
    page = requests.get(f"{public}/siklus/{cid}", timeout=10).text
    assert "Terbaik" in page and "Ajukan keberatan" not in page
    assert visitor["name"] not in page and objector not in page
    assert not stack.failed()
