from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="Addendum")


@_attrs_define
class Addendum:
    """
    Attributes:
        content_type (str):
        created_at (str): When it was added
        filename (str):
        id (str):
        note (str):
        sha256 (str):
        size (int):
        version (int): The submitted version it adds to
    """

    content_type: str
    created_at: str
    filename: str
    id: str
    note: str
    sha256: str
    size: int
    version: int

    def to_dict(self) -> dict[str, Any]:
        content_type = self.content_type

        created_at = self.created_at

        filename = self.filename

        id = self.id

        note = self.note

        sha256 = self.sha256

        size = self.size

        version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "content_type": content_type,
                "created_at": created_at,
                "filename": filename,
                "id": id,
                "note": note,
                "sha256": sha256,
                "size": size,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        content_type = d.pop("content_type")

        created_at = d.pop("created_at")

        filename = d.pop("filename")

        id = d.pop("id")

        note = d.pop("note")

        sha256 = d.pop("sha256")

        size = d.pop("size")

        version = d.pop("version")

        addendum = cls(
            content_type=content_type,
            created_at=created_at,
            filename=filename,
            id=id,
            note=note,
            sha256=sha256,
            size=size,
            version=version,
        )

        return addendum
