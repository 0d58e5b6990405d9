"""Where evidence files' bytes live: a small port with a local-directory
implementation (the default), an S3-compatible one, and an in-memory fake.

Keys are made by the service (``<proposal id>/<evidence id>``), never by a client.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any, Protocol

from services.submission.config import SubmissionSettings

_KEY = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9-]+$")


class BlobMissing(KeyError):
    """No object is stored under this key."""


class BlobUnavailable(RuntimeError):
    """The store does not answer or refuses (disk, network, credentials): try again later."""


class BlobStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes:
        """The stored bytes; raises ``BlobMissing``."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; a missing one is not an error."""
        ...


def _checked(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalDirectoryBlobs:
    """Files under one directory; a write is atomic (temporary file, then rename)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        except OSError as exc:
            raise BlobUnavailable(str(exc)) from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        except BaseException as exc:
            Path(temporary).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise BlobUnavailable(str(exc)) from exc
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise BlobMissing(key) from exc
        except OSError as exc:
            raise BlobUnavailable(str(exc)) from exc

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise BlobUnavailable(str(exc)) from exc


class S3Blobs:
    """Objects in a bucket of any S3-compatible store (AWS, MinIO, Ceph, ...)."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def _call(self, method: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except self.client.exceptions.NoSuchKey as exc:
            raise BlobMissing(kwargs.get("Key", "")) from exc
        except (BotoCoreError, ClientError) as exc:
            raise BlobUnavailable(str(exc)) from exc

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._call("put_object", Key=_checked(key), Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        response = self._call("get_object", Key=_checked(key))
        data: bytes = response["Body"].read()
        return data

    def delete(self, key: str) -> None:
        self._call("delete_object", Key=_checked(key))


class MemoryBlobs:
    """The fake: a dict."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[_checked(key)] = bytes(data)

    def get(self, key: str) -> bytes:
        try:
            return self.objects[_checked(key)]
        except KeyError as exc:
            raise BlobMissing(key) from exc

    def delete(self, key: str) -> None:
        self.objects.pop(_checked(key), None)


def s3_client(settings: SubmissionSettings) -> Any:
    import boto3  # only deployments that store evidence in S3 pay for importing it
    from botocore.config import Config

    return boto3.client(
        "s3",
        # A request waits for a storage that is down only briefly, then answers 503.
        config=Config(connect_timeout=3, read_timeout=30, retries={"max_attempts": 2}),
        endpoint_url=settings.evidence_s3_endpoint_url or None,
        region_name=settings.evidence_s3_region or None,
        aws_access_key_id=settings.evidence_s3_access_key_id or None,
        aws_secret_access_key=settings.evidence_s3_secret_access_key or None,
    )


def blob_store(settings: SubmissionSettings) -> BlobStore:
    """S3 when a bucket is configured, else the local directory."""
    if settings.evidence_s3_bucket:
        return S3Blobs(s3_client(settings), settings.evidence_s3_bucket)
    return LocalDirectoryBlobs(settings.evidence_dir)
