"""One contract for every evidence store: the in-memory fake, the local directory,
and S3 (against moto's S3-compatible server on localhost)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from deploy.local.ports import free_port
from services.submission.adapters.blobs import (
    BlobMissing,
    BlobStore,
    BlobUnavailable,
    LocalDirectoryBlobs,
    MemoryBlobs,
    S3Blobs,
    blob_store,
    s3_client,
)
from services.submission.app import create_app
from services.submission.config import SubmissionSettings
from tests.integration.submission.conftest import Portal


@pytest.fixture(scope="module")
def s3_settings() -> Iterator[SubmissionSettings]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    settings = SubmissionSettings(
        service="submission",
        evidence_s3_bucket=f"evidence-{uuid.uuid4().hex[:8]}",
        evidence_s3_endpoint_url=f"http://127.0.0.1:{port}",
        evidence_s3_region="us-east-1",
        evidence_s3_access_key_id="test",
        evidence_s3_secret_access_key="test",
    )
    s3_client(settings).create_bucket(Bucket=settings.evidence_s3_bucket)
    yield settings
    server.stop()


@pytest.fixture(params=["memory", "local", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "memory":
        return MemoryBlobs()
    if request.param == "local":
        return LocalDirectoryBlobs(tmp_path / "evidence")
    settings: SubmissionSettings = request.getfixturevalue("s3_settings")
    return blob_store(settings)


def key() -> str:
    return f"{uuid.uuid4()}/{uuid.uuid4()}"


def test_what_is_put_is_got_back_byte_for_byte(blobs: BlobStore) -> None:
    k, data = key(), bytes(range(256)) * 10
    blobs.put(k, data, "application/pdf")
    assert blobs.get(k) == data


def test_a_second_put_replaces_the_first(blobs: BlobStore) -> None:
    k = key()
    blobs.put(k, b"first", "image/png")
    blobs.put(k, b"second", "image/png")
    assert blobs.get(k) == b"second"


def test_a_missing_object_is_blob_missing(blobs: BlobStore) -> None:
    with pytest.raises(BlobMissing):
        blobs.get(key())


def test_delete_removes_and_deleting_again_is_fine(blobs: BlobStore) -> None:
    k = key()
    blobs.put(k, b"x", "image/png")
    blobs.delete(k)
    blobs.delete(k)
    with pytest.raises(BlobMissing):
        blobs.get(k)


@pytest.mark.parametrize("bad", ["../etc/passwd", "a/b/c", "/abs/x", "a/..", ""])
def test_keys_that_could_escape_are_refused(blobs: BlobStore, bad: str) -> None:
    with pytest.raises(ValueError):
        blobs.put(bad, b"x", "image/png")


def test_configuration_selects_the_store(s3_settings: SubmissionSettings, tmp_path: Path) -> None:
    assert isinstance(blob_store(s3_settings), S3Blobs)
    local = blob_store(SubmissionSettings(service="submission", evidence_dir=str(tmp_path)))
    assert isinstance(local, LocalDirectoryBlobs) and local.root == tmp_path


def test_the_api_stores_evidence_in_s3_when_configured(
    s3_settings: SubmissionSettings, settings: SubmissionSettings
) -> None:
    app = create_app(
        settings.with_(
            **{
                name: getattr(s3_settings, name)
                for name in (
                    "evidence_s3_bucket",
                    "evidence_s3_endpoint_url",
                    "evidence_s3_region",
                    "evidence_s3_access_key_id",
                    "evidence_s3_secret_access_key",
                )
            }
        )
    )
    try:
        portal = Portal(app, app.test_client())
        secret = portal.key(portal.agency("DINKES")["id"])
        pid = portal.draft(secret)["id"]
        pdf = b"%PDF-1.4\n" + uuid.uuid4().bytes
        stored: dict[str, Any] = portal.as_agency(
            secret,
            "POST",
            f"/v1/proposals/{pid}/evidence",
            data={"file": (io.BytesIO(pdf), "laporan.pdf")},
            content_type="multipart/form-data",
        ).get_json()
        obj = s3_client(s3_settings).get_object(
            Bucket=s3_settings.evidence_s3_bucket, Key=f"{pid}/{stored['id']}"
        )
        assert obj["Body"].read() == pdf and obj["ContentType"] == "application/pdf"
        content = portal.as_agency(
            secret, "GET", f"/v1/proposals/{pid}/evidence/{stored['id']}/content"
        )
        assert content.data == pdf
    finally:
        app.extensions["inagara"].engine.dispose()


def test_storage_that_does_not_answer_is_a_503_and_stores_nothing(
    settings: SubmissionSettings, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the evidence directory should be")
    app = create_app(settings.with_(evidence_dir=str(blocked)))
    try:
        portal = Portal(app, app.test_client())
        secret = portal.key(portal.agency("DINKES")["id"])
        pid = portal.draft(secret)["id"]
        response = portal.as_agency(
            secret,
            "POST",
            f"/v1/proposals/{pid}/evidence",
            data={"file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert (
            portal.as_agency(secret, "GET", f"/v1/proposals/{pid}/evidence").get_json()["items"]
            == []
        )
    finally:
        app.extensions["inagara"].engine.dispose()


def test_an_s3_store_that_is_down_is_blob_unavailable() -> None:
    down = SubmissionSettings(
        service="submission",
        evidence_s3_bucket="b",
        evidence_s3_endpoint_url=f"http://127.0.0.1:{free_port()}",
        evidence_s3_region="us-east-1",
        evidence_s3_access_key_id="x",
        evidence_s3_secret_access_key="x",
    )
    with pytest.raises(BlobUnavailable):
        blob_store(down).put(key(), b"x", "image/png")
