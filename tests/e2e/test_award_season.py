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
from typing import Any

import pytest
import requests

from deploy.local.mailcatcher import read_mail
from deploy.local.stack import Stack
from tests.e2e import test_scheduled_steps as scheduled
from tests.e2e.test_review_timeline import eventually

pytestmark = pytest.mark.e2e
stack = scheduled.stack  # the same stack: SMS gateway, quiet hours away, fast reminders
ADMIN = "e2e-review-admin"
AGENCIES = {"DINKES": "public_service", "BAPPEDA": "governance"}
STEPS = ("proposal.presentation_scheduled", "proposal.visit_scheduled")


def test_a_season_runs_from_schedule_and_objection_to_the_public_results(
    stack: Stack,
) -> None:
    review, cid, proposals, visitor = scheduled.scheduled_season(stack)
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
