"""The secretariat's scheduling form in a real browser (Chromium), in Bahasa Indonesia: a
finalist's presentation and field visit scheduled on its page, the visit rescheduled and
cancelled, and the events each change raised. Screenshots go to ``test-artifacts/``
(``review-id-schedule-*.png``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser

from tests.e2e.test_review_browser import (  # noqa: F401 (fixtures)
    assert_indonesian,
    browser,
    local,
    log_in,
    shot,
    site,
)
from tests.integration.review.support import (
    ADMIN,
    auth,
    create_account,
    create_cycle,
    deliver,
    login,
    outbox_events,
    scores_for,
    submitted_event,
)

pytestmark = pytest.mark.e2e


def test_the_secretariat_schedules_a_finalists_presentation_and_visit_on_its_page(
    browser: Browser,  # noqa: F811
    site: tuple[Flask, str],  # noqa: F811
) -> None:
    app, base = site
    api = app.test_client()
    reviewers = [
        create_account(api, name=f"Penilai {i}", agency_code=f"PENILAI{i}") for i in range(3)
    ]
    secretary = create_account(api, role="secretariat", name="Sekretariat Inovasi")
    cycle = create_cycle(api, field_verification=True)
    event = submitted_event("DINKES")
    deliver(app, event)
    pid = event.subject
    rubric = api.get(f"/v1/cycles/{cycle['id']}/rubrics/desk", headers=auth(ADMIN)).json
    for reviewer in reviewers:
        token = auth(login(api, reviewer["email"]))
        for held in api.get("/v1/assignments", headers=token).json["items"]:
            if held["proposal_id"] == pid:
                scored = api.put(
                    f"/v1/assignments/{held['id']}/review",
                    json={"scores": scores_for(rubric, 4), "comment": ""},
                    headers=token,
                )
                assert scored.status_code == 200, scored.json
    shortlisted = api.post(
        f"/v1/proposals/{pid}/decisions", json={"decision": "shortlist"}, headers=auth(ADMIN)
    )
    assert shortlisted.status_code == 200, shortlisted.json

    page = browser.new_page(locale="id-ID")
    page.set_default_timeout(10_000)
    log_in(page, base, secretary["email"])
    page.wait_for_url("**/ui/cycles")
    page.goto(f"{base}/ui/proposals/{pid}")
    assert_indonesian(page, "Presentasi dan kunjungan lapangan", "tahap verifikasi lapangan")
    when = datetime.now(UTC) + timedelta(days=5)
    presentation = page.locator("#schedule-presentation form.schedule-form")
    presentation.locator("input[name=starts_at]").fill(local(when))
    presentation.locator("input[name=duration_minutes]").fill("45")
    presentation.locator("input[name=place]").fill("Aula Bappeda")
    shot(page, "schedule-presentation-form")
    presentation.locator("button[type=submit]").click()
    page.wait_for_selector(".flash.ok")
    assert "Aula Bappeda" in page.locator("#schedule-presentation .scheduled").inner_text()

    visit = page.locator("#schedule-visit form.schedule-form")
    visit.locator("input[name=starts_at]").fill(local(when + timedelta(days=1)))
    visit.locator("input[name=address]").fill("Jl. Panglima Sudirman 1, Probolinggo")
    visit.locator(f"input[name=team_reviewer][value='{reviewers[0]['id']}']").check()
    visit.locator("textarea[name=team_names]").fill("Ibu Sari (Bappeda)")
    visit.locator("button[type=submit]").click()
    page.wait_for_selector(".flash.ok")
    scheduled = page.locator("#schedule-visit .scheduled").inner_text()
    assert "Penilai 0" in scheduled and "Ibu Sari (Bappeda)" in scheduled
    shot(page, "schedule-both-scheduled")

    visit = page.locator("#schedule-visit form.schedule-form")
    visit.locator("input[name=starts_at]").fill(local(when + timedelta(days=2)))
    visit.locator("input[name=address]").fill("Puskesmas Kanigaran")
    visit.locator("textarea[name=team_names]").fill("Pak Budi")
    visit.locator("button[type=submit]").click()
    page.wait_for_selector(".flash.ok")
    page.locator("#schedule-visit button.cancel").click()
    page.wait_for_selector(".flash.ok")
    assert page.locator("#schedule-visit .scheduled").get_attribute("data-status") == "cancelled"
    assert_indonesian(page, "dibatalkan")
    shot(page, "schedule-visit-cancelled")

    past = page.locator("#schedule-presentation form.schedule-form")
    past.locator("input[name=starts_at]").fill(local(datetime.now(UTC) - timedelta(days=1)))
    past.locator("input[name=place]").fill("Aula")
    past.locator("button[type=submit]").click()
    assert "Tidak dilakukan" in page.locator(".flash.error").inner_text()
    page.goto(f"{base}/ui/cycles/{cycle['id']}")
    assert_indonesian(page, "tahap verifikasi lapangan: hanya finalis terverifikasi")
    page.close()

    visits = [e.data for e in outbox_events(app, "proposal.visit_scheduled")]
    assert [v["change"] for v in visits] == ["scheduled", "rescheduled", "cancelled"]
    assert visits[0]["team"] == [
        {"reviewer_id": reviewers[0]["id"], "name": "Penilai 0"},
        {"reviewer_id": None, "name": "Ibu Sari (Bappeda)"},
    ]
    assert visits[1]["address"] == "Puskesmas Kanigaran" and visits[1]["team"] == [
        {"reviewer_id": None, "name": "Pak Budi"}
    ]
    presentations = [e.data for e in outbox_events(app, "proposal.presentation_scheduled")]
    assert [(p["change"], p["place"]) for p in presentations] == [("scheduled", "Aula Bappeda")]
