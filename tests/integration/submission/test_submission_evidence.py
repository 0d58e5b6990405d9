"""Evidence files through the API: kinds judged by their bytes, limits, checksum,
download, delete while editable, and their place in the submission event."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

from werkzeug.http import parse_options_header

from tests.integration.submission.conftest import Portal
from tests.integration.submission.test_submission_proposals import outbox_events

PDF = b"%PDF-1.7\n" + b"0" * 1000
PNG = b"\x89PNG\r\n\x1a\n" + b"1" * 500
JPEG = b"\xff\xd8\xff\xe0" + b"2" * 500


def docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def upload(
    portal: Portal, key: str, proposal_id: str, name: str, data: bytes, **headers: str
) -> Any:
    return portal.as_agency(
        key,
        "POST",
        f"/v1/proposals/{proposal_id}/evidence",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=headers,
    )


def test_files_are_stored_with_their_checksum_and_read_back(
    portal: Portal, drafter_key: str
) -> None:
    pid = portal.draft(drafter_key)["id"]
    stored = []
    for name, data, kind in [
        ("laporan.pdf", PDF, "application/pdf"),
        ("foto.png", PNG, "image/png"),
        ("foto.JPG", JPEG, "image/jpeg"),
        (
            "sk.docx",
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("no-extension", PDF, "application/pdf"),
    ]:
        response = upload(portal, drafter_key, pid, name, data)
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        assert (body["content_type"], body["size"]) == (kind, len(data))
        assert body["sha256"] == hashlib.sha256(data).hexdigest()
        stored.append(body)

    listed = portal.as_agency(drafter_key, "GET", f"/v1/proposals/{pid}/evidence").get_json()
    assert [f["id"] for f in listed["items"]] == [f["id"] for f in stored]
    assert listed["total_bytes"] == sum(f["size"] for f in stored)
    content = portal.as_agency(
        drafter_key, "GET", f"/v1/proposals/{pid}/evidence/{stored[0]['id']}/content"
    )
    assert content.status_code == 200 and content.data == PDF
    assert content.mimetype == "application/pdf"
    assert "filename=laporan.pdf" in content.headers["Content-Disposition"]
    meta = portal.as_agency(drafter_key, "GET", f"/v1/proposals/{pid}/evidence/{stored[1]['id']}")
    assert meta.get_json() == stored[1]


def test_what_is_not_a_pdf_png_jpeg_or_docx_is_refused_by_its_bytes(
    portal: Portal, drafter_key: str
) -> None:
    pid = portal.draft(drafter_key)["id"]
    fake_docx = io.BytesIO()
    with zipfile.ZipFile(fake_docx, "w") as archive:
        archive.writestr("payload.exe", "MZ")
    for name, data in [
        ("laporan.pdf", b"<html>not a pdf</html>"),
        ("script.sh", b"#!/bin/sh\nrm -rf /"),
        ("dokumen.docx", fake_docx.getvalue()),
        ("foto.png", PDF),  # the name says PNG, the bytes say PDF
    ]:
        response = upload(portal, drafter_key, pid, name, data)
        assert response.status_code == 415, (name, response.get_json())
    assert (
        portal.as_agency(drafter_key, "GET", f"/v1/proposals/{pid}/evidence").get_json()["items"]
        == []
    )


def test_size_limits_per_file_and_per_proposal_are_413(portal: Portal, drafter_key: str) -> None:
    pid = portal.draft(drafter_key)["id"]
    too_big = upload(portal, drafter_key, pid, "big.pdf", b"%PDF-" + b"0" * 100_001)
    assert too_big.status_code == 413
    assert upload(portal, drafter_key, pid, "a.pdf", b"%PDF-" + b"0" * 90_000).status_code == 201
    over_total = upload(portal, drafter_key, pid, "b.pdf", b"%PDF-" + b"0" * 70_000)
    assert over_total.status_code == 413 and "in all" in over_total.get_json()["detail"]
    way_too_big = upload(portal, drafter_key, pid, "c.pdf", b"%PDF-" + b"0" * 400_000)
    assert way_too_big.status_code == 413


def test_files_change_only_while_editable_and_travel_with_the_submission(
    portal: Portal, drafter_key: str, admin_key: str
) -> None:
    pid = portal.draft(drafter_key)["id"]
    kept = upload(portal, drafter_key, pid, "laporan.pdf", PDF).get_json()
    dropped = upload(portal, drafter_key, pid, "foto.png", PNG).get_json()
    deleted = portal.as_agency(
        drafter_key, "DELETE", f"/v1/proposals/{pid}/evidence/{dropped['id']}"
    )
    assert deleted.status_code == 204
    gone = portal.as_agency(
        drafter_key, "GET", f"/v1/proposals/{pid}/evidence/{dropped['id']}/content"
    )
    assert gone.status_code == 404

    portal.as_agency(admin_key, "POST", f"/v1/proposals/{pid}/submit", json={})
    (event,) = outbox_events(portal.app)
    assert event.data["evidence"] == [
        {k: kept[k] for k in ("id", "filename", "content_type", "size", "sha256")}
    ]
    version = portal.as_agency(admin_key, "GET", f"/v1/proposals/{pid}/versions/1").get_json()
    assert [f["id"] for f in version["evidence"]] == [kept["id"]]

    late = upload(portal, drafter_key, pid, "more.pdf", PDF)
    assert late.status_code == 409 and late.get_json()["allowed_actions"] == [
        "withdraw",
        "add_addendum",
    ]
    assert (
        portal.as_agency(
            drafter_key, "DELETE", f"/v1/proposals/{pid}/evidence/{kept['id']}"
        ).status_code
        == 409
    )


def test_an_upload_is_idempotent_and_only_this_route_takes_multipart(
    portal: Portal, drafter_key: str
) -> None:
    pid = portal.draft(drafter_key)["id"]
    first = upload(portal, drafter_key, pid, "laporan.pdf", PDF, **{"Idempotency-Key": "up-1"})
    again = upload(portal, drafter_key, pid, "laporan.pdf", PDF, **{"Idempotency-Key": "up-1"})
    assert first.status_code == again.status_code == 201 and first.get_json() == again.get_json()
    other = upload(
        portal, drafter_key, pid, "laporan.pdf", PDF + b"x", **{"Idempotency-Key": "up-1"}
    )
    assert other.status_code == 422
    assert (
        len(
            portal.as_agency(drafter_key, "GET", f"/v1/proposals/{pid}/evidence").get_json()[
                "items"
            ]
        )
        == 1
    )

    no_file = portal.as_agency(
        drafter_key,
        "POST",
        f"/v1/proposals/{pid}/evidence",
        data={"other": "x"},
        content_type="multipart/form-data",
    )
    assert no_file.status_code == 422 and "file" in no_file.get_json()["errors"]
    elsewhere = portal.as_agency(
        drafter_key,
        "POST",
        "/v1/proposals",
        data={"file": (io.BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert elsewhere.status_code == 415


def test_files_named_in_any_script_download_under_their_own_name(
    portal: Portal, drafter_key: str
) -> None:
    """Headers are Latin-1 at most: such a name as is made every download a 500 (RFC 6266:
    ``filename*=UTF-8''…`` carries it, with an ASCII ``filename`` for old clients)."""
    pid = portal.draft(drafter_key)["id"]
    for name in ("Laporan \u2013 Final.pdf", "報告.pdf", "📄.pdf", "Évaluation.pdf"):
        stored = upload(portal, drafter_key, pid, name, PDF).get_json()
        content = portal.as_agency(
            drafter_key, "GET", f"/v1/proposals/{pid}/evidence/{stored['id']}/content"
        )
        assert content.status_code == 200 and content.data == PDF
        header = content.headers["Content-Disposition"]
        header.encode("latin-1")  # what gunicorn must be able to write
        assert header.isascii() and "\r" not in header and "\n" not in header, header
        kind, options = parse_options_header(header)
        assert kind == "attachment"
        assert options["filename"] == stored["filename"], header  # filename* wins
        fallback = header.split('filename="', 1)[1].split('"', 1)[0]
        assert fallback.endswith(".pdf") and fallback.isprintable(), header
