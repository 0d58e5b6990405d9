from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from .. import types
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="AddendumUpload")


@_attrs_define
class AddendumUpload:
    """
    Attributes:
        file (File): A PDF, PNG, JPEG or DOCX file
        note (str | Unset): What the file adds, for the reviewers (at most 2000 characters) Default: ''.
    """

    file: File
    note: str | Unset = ""

    def to_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

        note = self.note

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "file": file,
            }
        )
        if note is not UNSET:
            field_dict["note"] = note

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        if not isinstance(self.note, Unset):
            files.append(("note", (None, str(self.note).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        note = d.pop("note", UNSET)

        addendum_upload = cls(
            file=file,
            note=note,
        )

        return addendum_upload
