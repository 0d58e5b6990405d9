"""Issue 15's season, whole, over the real processes, on one stack: two award categories
with a field verification stage and four agencies.

- The review worker places each proposal in its category; the ranking puts the strongest
  of each category first.
- Every finalist's presentation and field visit is scheduled through the review API and
  told: the finalist's timeline in the submission API, the innovator's email and SMS, the
  day-before reminder (the steps being within a day), the visiting reviewer's email once
  per visit.
- An unverified finalist's award is a 409.
- The shortlist is published for public objection through the review API and shown by the
  results service with a link to the objection form, nothing of the proposal never
  shortlisted.
- An objection filed without a login, with a file, holds back its category's award (not
  the other category's) until resolved; the objector is told of both, once each. The
  results are a 409 before every award is decided.
- Awards per category once verified; every innovator told once whether they won.
- The results published: the results service's page, feed and catalogue show exactly what
  was published: the finalists per category in rank order, the awards, no score, no
  reviewer, nothing of the proposal never shortlisted, the privacy notice linked.

This one season carries what test_scheduled_steps.py, test_public_objections.py,
test_public_results.py and test_award_categories.py each checked on a stack of its own.
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
from deploy.local.smsgateway import read_sms
from deploy.local.stack import DEMO_PROPOSAL, Stack
from tests.e2e.stacks import session_stack_config
from tests.e2e.test_instant_season import quiet_hours_away_from_now
from tests.e2e.test_review_timeline import PASSWORD, Review, eventually

pytestmark = pytest.mark.e2e
ADMIN = "e2e-review-admin"  # what Review.call sends (tests/e2e/test_review_timeline.py)
# Each agency's form (which places it in a category) and the level its reviewers score.
AGENCIES = {
    "DINKES": ("public_service", 3),
    "DISDIK": ("public_service", 2),
    "BAPPEDA": ("governance", 3),
    "DISKOMINFO": ("governance", 1),
}
FINALISTS = ("DINKES", "DISDIK", "BAPPEDA")  # DISKOMINFO is never shortlisted
PLACED = {"public_service": "pelayanan_publik", "governance": "tata_kelola"}
NAMES = {"pelayanan_publik": "Pelayanan Publik", "tata_kelola": "Tata Kelola"}
WINNERS = {"DINKES": "Juara 1", "BAPPEDA": "Terbaik"}
CATEGORIES = [
    {
        "code": "pelayanan_publik",
        "name": "Pelayanan Publik",
        "shortlist_size": 2,
        "award_count": 1,
        "match": {"form": ["public_service"]},
    },
    {"code": "tata_kelola", "name": "Tata Kelola", "shortlist_size": 1, "award_count": 1},
]
STEPS = ("proposal.presentation_scheduled", "proposal.visit_scheduled")


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


def _reviewer(review: Review, code: str) -> str:
    email = f"{code.lower()}-{uuid.uuid4().hex[:6]}@penilai.example.go.id"
    made = review.call(
        "POST",
        "/v1/users",
        json={"name": f"Penilai {code}", "email": email, "password": PASSWORD, "agency_code": code},
    )
    assert made.status_code == 201, made.text
    answer = requests.post(
        f"{review.base}/v1/auth/tokens", json={"email": email, "password": PASSWORD}, timeout=10
    )
    return str(answer.json()["token"])


def _mails_to(stack: Stack, address: str, said: str) -> list[Any] | None:
    found = [
        m
        for m in read_mail(stack.config.mail_dir)
        if address in m.rcpt_tos and said in m.part("plain")
    ]
    return found or None


def scheduled_season(
    stack: Stack,
) -> tuple[Review, str, dict[str, str], dict[str, dict[str, Any]], dict[str, Any]]:
    """A two-category cycle with field verification, four proposals scored, placed and
    ranked, the three finalists shortlisted, scheduled and told: the review client, the
    cycle, each agency's proposal id, the proposals (by id) and the visiting reviewer."""
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
            "name": f"Anugerah Inovasi dengan verifikasi {uuid.uuid4().hex[:4]}",
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
    for n, (code, (form, _)) in enumerate(AGENCIES.items()):
        key = stack.create_demo_agency(code, f"Dinas {code}")
        address = f"inovator-{code.lower()}-{uuid.uuid4().hex[:6]}@example.go.id"
        phone = f"+62812555000{n}"
        body = {
            **DEMO_PROPOSAL,
            "title": f"Inovasi {code}",
            "summary": f"Ringkasan inovasi {code} untuk direplikasi",
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
            # The submission service learns of the cycle from the review's event.
            answer = requests.post(
                f"{submission}/v1/proposals",
                json=body,
                headers={"Authorization": f"Bearer {key}", "Idempotency-Key": str(uuid.uuid4())},
                timeout=10,
            )
            return dict(answer.json()) if answer.status_code == 201 else None

        made = eventually(submitted, f"{code}'s proposal accepted in the cycle")
        proposals[made["id"]] = {"code": code, "address": address, "phone": phone, "key": key}
    ids = {p["code"]: pid for pid, p in proposals.items()}

    def placed() -> dict[str, str] | None:
        seen = {pid: review.call("GET", f"/v1/proposals/{pid}").json() for pid in proposals}
        if all(p.get("status") == "assigned" for p in seen.values()):
            return {pid: p["award_category"] for pid, p in seen.items()}
        return None

    categories = eventually(placed, "every proposal screened, assigned and placed")
    assert categories == {pid: PLACED[AGENCIES[p["code"]][0]] for pid, p in proposals.items()}, (
        "each proposal in the category its form matches"
    )
    rubric = review.call("GET", f"/v1/cycles/{cid}/rubrics/desk").json()
    for token in tokens:
        for held in review.call("GET", "/v1/assignments", token).json()["items"]:
            if held["proposal_id"] in proposals:
                level = AGENCIES[proposals[held["proposal_id"]]["code"]][1]
                scores = {c["key"]: min(c["scale_max"], level) for c in rubric["criteria"]}
                answer = review.call(
                    "PUT", f"/v1/assignments/{held['id']}/review", token, json={"scores": scores}
                )
                assert answer.status_code == 200, answer.text

    def scored() -> bool | None:
        seen = [review.call("GET", f"/v1/proposals/{pid}").json() for pid in proposals]
        return all(p.get("status") == "scored" for p in seen) or None

    eventually(scored, "every proposal scored")
    ranking = review.call("GET", f"/v1/cycles/{cid}/ranking").json()
    best = {c["code"]: c["items"][0]["proposal_id"] for c in ranking["by_category"]}
    assert best == {"pelayanan_publik": ids["DINKES"], "tata_kelola": ids["BAPPEDA"]}, ranking

    soon = (datetime.now(UTC) + timedelta(hours=3)).replace(second=0, microsecond=0)
    for code in FINALISTS:
        pid = ids[code]
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

    for code in FINALISTS:
        pid, p = ids[code], proposals[ids[code]]

        def on_timeline(pid: str = pid, key: str = p["key"]) -> list[dict[str, Any]] | None:
            got = requests.get(
                f"{submission}/v1/proposals/{pid}/timeline",
                headers={"Authorization": f"Bearer {key}"},
                timeout=10,
            )
            items = [i for i in got.json().get("items", []) if i["type"] in STEPS]
            return items if len(items) == 2 else None

        steps = eventually(on_timeline, f"{code}'s presentation and visit on its timeline")
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
                f"{code}'s innovator emailed: {said}",
            )
        for said in ("presentasi usulan", "kunjungan lapangan usulan", "pengingat"):
            texts = eventually(
                lambda n=p["phone"], said=said: [
                    s.text for s in read_sms(stack.config.sms_dir) if s.to == n and said in s.text
                ],
                f"{code}'s innovator sent an SMS: {said}",
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
    assert len(reviewer_mail) == len(FINALISTS), "once per finalist visited, not again"

    return review, cid, ids, proposals, visitor


def test_a_season_runs_from_schedule_and_objection_to_the_public_results(
    stack: Stack,
) -> None:
    review, cid, ids, proposals, visitor = scheduled_season(stack)
    first = ids["DINKES"]

    # Field verification: a finalist the visit has not verified cannot win.
    refused = review.call(
        "POST",
        f"/v1/cycles/{cid}/awards",
        json={"category": "pelayanan_publik", "awards": [{"proposal_id": first}]},
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "award.unverified_finalist"

    # Uji publik: the shortlist published for seven days; the public page links the form.
    published = review.call("POST", f"/v1/cycles/{cid}/shortlist/publication", json={"days": 7})
    assert published.status_code == 200, published.text
    assert [e["proposal_id"] for e in published.json()["entries"]] == [
        ids[code] for code in FINALISTS
    ]
    public = stack.config.base_url("results")
    review_base = stack.config.base_url("review")

    def open_for_objection() -> str | None:
        page = requests.get(f"{public}/siklus/{cid}", timeout=10)
        return page.text if page.status_code == 200 and "Ajukan keberatan" in page.text else None

    page = eventually(open_for_objection, "the shortlist on the public page, open to objection")
    assert f"{review_base}/publik/keberatan?proposal={first}" in page
    assert "Inovasi DISKOMINFO" not in page, "never shortlisted: not open to objection"

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
    receipt = eventually(
        lambda: _mails_to(stack, objector, "Keberatan Anda atas inovasi"), "the receipt"
    )
    assert len(receipt) == 1 and "Inovasi DINKES" in receipt[0].subject

    early = review.call("POST", f"/v1/cycles/{cid}/results", json={})
    assert early.status_code == 409, "awards are not decided yet"
    assert early.json()["code"] == "cycle.awards_undecided"

    for code in FINALISTS:
        verified = review.call(
            "POST",
            f"/v1/proposals/{ids[code]}/verification",
            json={"result": "pass", "note": "Berjalan"},
        )
        assert verified.status_code == 200, verified.text
    award = {code: [{"proposal_id": ids[code], "award": name}] for code, name in WINNERS.items()}
    held = review.call(
        "POST",
        f"/v1/cycles/{cid}/awards",
        json={"category": "pelayanan_publik", "awards": award["DINKES"]},
    )
    assert held.status_code == 409 and held.json()["code"] == "award.objection_open", held.text
    other = review.call(
        "POST",
        f"/v1/cycles/{cid}/awards",
        json={"category": "tata_kelola", "awards": award["BAPPEDA"]},
    )
    assert other.status_code == 200, "only the objection's own category is held back"
    assert other.json()["awarded"] == [ids["BAPPEDA"]]
    resolved = review.call(
        "POST",
        f"/v1/objections/{filed.json()['id']}/answer",
        json={"answer": "Sudah kami periksa di lapangan: inovasi ini baru.", "status": "resolved"},
    )
    assert resolved.status_code == 200, resolved.text
    answer = eventually(
        lambda: _mails_to(stack, objector, "Sudah kami periksa di lapangan"), "the answer"
    )
    assert len(answer) == 1

    awarded = review.call(
        "POST",
        f"/v1/cycles/{cid}/awards",
        json={"category": "pelayanan_publik", "awards": award["DINKES"]},
    )
    assert awarded.status_code == 200, awarded.text
    assert awarded.json()["awarded"] == [first]
    assert review.call("GET", f"/v1/cycles/{cid}").json()["status"] == "awarded"

    # Every innovator told once whether their proposal won, naming its category.
    for p in proposals.values():
        category = NAMES[PLACED[AGENCIES[p["code"]][0]]]
        said = (
            f"meraih penghargaan {WINNERS[p['code']]} kategori {category}"
            if p["code"] in WINNERS
            else f"belum meraih penghargaan kategori {category}"
        )
        mails = eventually(
            lambda a=p["address"], said=said: _mails_to(stack, a, said),
            f"{p['code']}'s innovator told: {said}",
        )
        assert len(mails) == 1, [m.subject for m in mails]

    results = review.call("POST", f"/v1/cycles/{cid}/results", json={"scores": False})
    assert results.status_code == 200, results.text

    def the_results() -> dict[str, Any] | None:
        answer = requests.get(f"{public}/v1/cycles/{cid}", timeout=10)
        feed = answer.json() if answer.status_code == 200 else {}
        return feed if feed.get("stage") == "results" else None

    feed = eventually(the_results, "the published results in the public feed")
    side = {g["code"]: g for g in feed["by_category"]}
    assert list(side) == ["pelayanan_publik", "tata_kelola"]
    assert [
        (e["proposal_id"], e["rank"], e["award"]) for e in side["pelayanan_publik"]["shortlist"]
    ] == [(ids["DINKES"], 1, "Juara 1"), (ids["DISDIK"], 2, None)]
    assert [
        (e["proposal_id"], e["rank"], e["award"]) for e in side["tata_kelola"]["shortlist"]
    ] == [(ids["BAPPEDA"], 1, "Terbaik")]
    assert [e["title"] for e in side["pelayanan_publik"]["shortlist"]] == [
        "Inovasi DINKES",
        "Inovasi DISDIK",
    ]
    assert [(e["proposal_id"], e["award"]) for e in side["pelayanan_publik"]["awards"]] == [
        (ids["DINKES"], "Juara 1")
    ]
    assert [(e["proposal_id"], e["award"]) for e in side["tata_kelola"]["awards"]] == [
        (ids["BAPPEDA"], "Terbaik")
    ]
    assert side["tata_kelola"]["shortlist"][0]["summary"].startswith("Ringkasan inovasi")
    text = str(feed)
    assert ids["DISKOMINFO"] not in text, "never shortlisted: not in the public record"
    assert feed["scores_published"] is False and "'score'" not in text
    every = [e for g in feed["by_category"] for e in (*g["shortlist"], *g["awards"])]
    assert every and all("score" not in e for e in every), "scores were not published"
    assert "Penilai" not in text and visitor["name"] not in text, "no reviewer"
    assert "@" not in text, "no address"

    page = requests.get(f"{public}/siklus/{cid}", timeout=10).text
    assert "Juara 1" in page and "Terbaik" in page and "Ajukan keberatan" not in page
    assert "Inovasi DISKOMINFO" not in page and ">Nilai</th>" not in page
    assert "Penilai" not in page and visitor["name"] not in page and objector not in page
    assert f"{stack.config.base_url('notification')}/privasi" in page
    catalog = requests.get(f"{public}/v1/catalog", params={"q": "inovasi dinkes"}, timeout=10)
    assert [i["proposal_id"] for i in catalog.json()["items"]] == [ids["DINKES"]]
    assert not stack.failed()
