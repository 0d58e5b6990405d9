"""The public objection window in a real browser (Chromium), in Bahasa Indonesia: the
secretariat publishes the shortlist from the cycle page, a member of the public files an
objection with a file on the public form (no login), and the secretariat reads and
resolves it on its objection screens. Screenshots go to ``test-artifacts/``
(``review-id-objections-*.png``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser
from werkzeug.serving import make_server

from tests.e2e.test_review_browser import (  # noqa: F401 (fixtures)
    assert_indonesian,
    browser,
    log_in,
    shot,
)
from tests.integration.review.support import (
    ADMIN,
    AGENCIES,
    auth,
    create_account,
    create_cycle,
    deliver,
    login,
    make_app,
    scores_for,
    submitted_event,
)

pytestmark = pytest.mark.e2e
CATEGORIES = [
    {
        "code": "pelayanan_publik",
        "name": "Pelayanan Publik",
        "shortlist_size": 1,
        "award_count": 1,
        "match": {"form": ["public_service"]},
    },
    {"code": "tata_kelola", "name": "Tata Kelola", "shortlist_size": 1, "award_count": 1},
]
# The least time a person takes to fill the public form, for this test: a person-like pause
# before sending passes it, as a robot's instant post would not.
MIN_FILL_S = 0.5


@pytest.fixture
def objection_site(database_url: str) -> Iterator[tuple[Flask, str]]:
    app = make_app(database_url, objection_min_fill_s=MIN_FILL_S)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    app.extensions["inagara"].engine.dispose()


def test_publish_object_on_the_public_form_then_resolve_on_the_secretariat_screens(
    browser: Browser,  # noqa: F811
    objection_site: tuple[Flask, str],
) -> None:
    app, base = objection_site
    api = app.test_client()
    reviewers = [
        create_account(api, name=f"Penilai {i}", agency_code=f"PENILAI{i}") for i in range(3)
    ]
    secretary = create_account(api, role="secretariat", name="Sekretariat Inovasi")
    cycle = create_cycle(api, categories=CATEGORIES)
    events = [
        submitted_event(AGENCIES[0], form="public_service", summary="Antrean puskesmas daring."),
        submitted_event(AGENCIES[1], form="governance"),
    ]
    for event in events:
        deliver(app, event)
    rubric = api.get(f"/v1/cycles/{cycle['id']}/rubrics/desk", headers=auth(ADMIN)).json
    for reviewer in reviewers:
        token = auth(login(api, reviewer["email"]))
        for held in api.get("/v1/assignments", headers=token).json["items"]:
            scored = api.put(
                f"/v1/assignments/{held['id']}/review",
                json={"scores": scores_for(rubric, 3), "comment": ""},
                headers=token,
            )
            assert scored.status_code == 200, scored.json
    for event in events:
        decided = api.post(
            f"/v1/proposals/{event.subject}/decisions",
            json={"decision": "shortlist"},
            headers=auth(ADMIN),
        )
        assert decided.status_code == 200, decided.json
    target = events[0].subject

    page = browser.new_page(locale="id-ID")
    page.set_default_timeout(10_000)
    log_in(page, base, secretary["email"])
    page.wait_for_url("**/ui/cycles")
    page.goto(f"{base}/ui/cycles/{cycle['id']}")
    assert_indonesian(page, "Uji publik", "Umumkan daftar pendek")
    page.fill("#publication input[name=days]", "7")
    page.click("#publication button[type=submit]")
    assert "Daftar pendek diumumkan: 2 inovasi" in page.locator(".flash.ok").inner_text()
    assert "keberatan diterima sampai" in page.locator("#publication-state").inner_text()
    shot(page, "objections-published")

    public = browser.new_page(locale="id-ID")  # no session: the public
    public.set_default_timeout(10_000)
    public.goto(f"{base}/publik/keberatan?proposal={target}")
    assert_indonesian(public, "Keberatan publik", "Antrean puskesmas daring.", "Kirim keberatan")
    public.fill("input[name=name]", "Ibu Sari Wulandari")
    public.fill("input[name=email]", "sari.wulandari@example.org")
    public.fill("input[name=phone]", "0812 3456 7890")
    public.fill(
        "textarea[name=reason]",
        "Data capaian inovasi ini tidak sesuai dengan kondisi di puskesmas kami.",
    )
    public.set_input_files(
        "input[name=file]",
        files=[{"name": "bukti.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%\n"}],
    )
    shot(public, "objections-public-form")
    public.wait_for_timeout(MIN_FILL_S * 1000 + 200)  # a person's pace, not a robot's
    public.click("#objection button[type=submit]")
    assert "sudah kami terima" in public.locator("#filed").inner_text()
    assert_indonesian(public, "Nomor keberatan")
    shot(public, "objections-filed")
    public.close()

    page.goto(f"{base}/ui/cycles/{cycle['id']}/objections")
    assert_indonesian(page, "Keberatan", "Ibu Sari Wulandari", "dibuka")
    shot(page, "objections-list")
    page.click("#objections td[data-status=open] a")
    assert_indonesian(page, "tidak sesuai dengan kondisi", "bukti.pdf", "Selesaikan")
    page.fill("#answer-form textarea[name=answer]", "Sudah kami verifikasi di lapangan.")
    page.click("#answer-form button[value=resolved]")
    assert page.locator(".flash.ok").inner_text() == "Jawaban disimpan."
    assert page.locator("#objection [data-status]").get_attribute("data-status") == "resolved"
    shot(page, "objections-resolved")
    page.close()

    listed = api.get(f"/v1/proposals/{target}/objections", headers=auth(ADMIN)).json["items"]
    assert [(o["name"], o["status"], o["file_name"]) for o in listed] == [
        ("Ibu Sari Wulandari", "resolved", "bukti.pdf")
    ]
    assert listed[0]["phone"] == "+6281234567890"
