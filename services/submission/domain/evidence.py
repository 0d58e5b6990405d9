"""Evidence files: what kinds are accepted (judged by their bytes) and how much."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ACCEPTED = (PDF, PNG, JPEG, DOCX)
EXTENSIONS = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".docx": DOCX,
}


class UnsupportedEvidence(ValueError):
    """The bytes are not a PDF, PNG, JPEG or DOCX file, or contradict the file name."""


class EvidenceTooLarge(ValueError):
    """A file, or the proposal's files together, exceed the configured limit."""


def sniff(data: bytes) -> str | None:
    """The content type the bytes themselves show, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        # Only the central directory is read, so a zip bomb costs nothing here.
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return DOCX
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
    return None


def clean_filename(raw: str) -> str:
    """The last path component of an uploaded name, without control characters."""
    name = PureWindowsPath(PurePosixPath(raw or "").name).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:255] or "evidence"


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    size: int
    sha256: str


def check(
    filename: str, data: bytes, stored_total: int, max_file_bytes: int, max_total_bytes: int
) -> CheckedFile:
    """Accept one upload or raise ``UnsupportedEvidence`` / ``EvidenceTooLarge``."""
    if len(data) > max_file_bytes:
        raise EvidenceTooLarge(f"A file may have at most {max_file_bytes} bytes.")
    if stored_total + len(data) > max_total_bytes:
        raise EvidenceTooLarge(
            f"A proposal's evidence may have at most {max_total_bytes} bytes in all; "
            f"{stored_total} are stored."
        )
    content_type = sniff(data)
    if content_type is None:
        raise UnsupportedEvidence("Upload a PDF, PNG, JPEG or DOCX file.")
    name = clean_filename(filename)
    claimed = EXTENSIONS.get(PurePosixPath(name.lower()).suffix)
    if claimed is not None and claimed != content_type:
        raise UnsupportedEvidence(f"The file is named {name!r} but its content is {content_type}.")
    return CheckedFile(name, content_type, len(data), hashlib.sha256(data).hexdigest())
