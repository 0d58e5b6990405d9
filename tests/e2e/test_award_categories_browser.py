"""The secretariat's award-category screens in a real browser (Chromium), in Bahasa
Indonesia: a cycle created with two categories through the form, each category's
ranking side by side, a shortlist and the awards decided per category. Screenshots go
to ``test-artifacts/`` (``review-id-categories-*.png``)."""

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
    AGENCIES,
    auth,
    create_account,
    deliver,
    login,
    scores_for,
    submitted_event,
)

pytestmark = pytest.mark.e2e
CATEGORIES = (
    "pelayanan_publik | Pelayanan Publik | 1 | 1 | form=public_service\n"
    "tata_kelola | Tata Kelola | 1 | 1\n"
)


def test_the_secretariat_ranks_shortlists_and_awards_each_category_on_its_own(
    browser: Browser,  # noqa: F811
    site: tuple[Flask, str],  # noqa: F811
) -> None:
    app, base = site
    api = app.test_client()
    reviewers = [
        create_account(api, name=f"Penilai {i}", agency_code=f"PENILAI{i}") for i in range(3)
    ]
    secretary = create_account(api, role="secretariat", name="Sekretariat Inovasi")
    page = browser.new_page(locale="id-ID")
    page.set_default_timeout(10_000)
    log_in(page, base, secretary["email"])
    page.wait_for_url("**/ui/cycles")
    assert_indonesian(page, "Kategori penghargaan (opsional, satu per baris)")
    now = datetime.now(UTC)
    page.fill("input[name=name]", "Anugerah Inovasi 2026")
    page.fill("input[name=submission_opens_at]", local(now - timedelta(days=30)))
    page.fill("input[name=submission_closes_at]", local(now + timedelta(days=30)))
    page.fill("input[name=review_deadline]", local(now + timedelta(days=60)))
    page.fill("textarea[name=categories]", CATEGORIES)
    shot(page, "categories-new-cycle")
    page.click("#new-cycle button[type=submit]")
    page.wait_for_url("**/ui/cycles/*")
    cycle_url = page.url
    cycle_id = cycle_url.rsplit("/", 1)[-1]

    forms = ("public_service", "public_service", "governance", "governance")
    events = [submitted_event(code, form=form) for code, form in zip(AGENCIES, forms, strict=False)]
    for event in events:
        deliver(app, event)
    strength = dict(zip([e.subject for e in events], (4, 2, 1, 3), strict=True))
    rubric = api.get(f"/v1/cycles/{cycle_id}/rubrics/desk", headers=auth(ADMIN)).json
    for reviewer in reviewers:
        token = auth(login(api, reviewer["email"]))
        for held in api.get("/v1/assignments", headers=token).json["items"]:
            level = strength[held["proposal_id"]]
            scored = api.put(
                f"/v1/assignments/{held['id']}/review",
                json={"scores": scores_for(rubric, level), "comment": ""},
                headers=token,
            )
            assert scored.status_code == 200, scored.json

    page.goto(cycle_url)
    assert_indonesian(page, "Peringkat per kategori penghargaan", "Pelayanan Publik", "Tata Kelola")
    public = page.locator("#ranking-pelayanan_publik tr[data-proposal]")
    governance = page.locator("#ranking-tata_kelola tr[data-proposal]")
    assert public.count() == 2 and governance.count() == 2
    best = {
        "pelayanan_publik": public.first.get_attribute("data-proposal"),
        "tata_kelola": governance.first.get_attribute("data-proposal"),
    }
    assert best == {"pelayanan_publik": events[0].subject, "tata_kelola": events[3].subject}
    shot(page, "categories-ranking")

    for code, pid in best.items():
        page.locator(f"#ranking-{code} tr[data-proposal='{pid}'] button[value=shortlist]").click()
        page.wait_for_selector(".flash.ok")
    for code, pid in best.items():
        page.check(f"#awards-{code} input[name=winner][value='{pid}']")
        page.fill(f"#awards-{code} input[name='award-{pid}']", "Terbaik")
        page.click(f"#awards-{code} button[type=submit]")
        assert (
            "1 menerima penghargaan, 1 tidak menerima penghargaan"
            in page.locator(".flash.ok").inner_text()
        )
    assert_indonesian(page, "Peringkat akhir per kategori penghargaan")
    assert page.locator("#final-categories section").count() == 2
    shot(page, "categories-awards")
    page.close()

    statuses = {
        e.subject: api.get(f"/v1/proposals/{e.subject}", headers=auth(ADMIN)).json["status"]
        for e in events
    }
    assert [statuses[e.subject] for e in events] == [
        "awarded",
        "not_awarded",
        "not_awarded",
        "awarded",
    ]
    cycle = api.get(f"/v1/cycles/{cycle_id}", headers=auth(ADMIN)).json
    assert cycle["status"] == "awarded"
