from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="Evidence")


@_attrs_define
class Evidence:
    """
    Attributes:
        content_type (str): As the bytes show, not as the name says
        created_at (datetime.datetime):
        filename (str):
        id (str):
        sha256 (str): Hex SHA-256 of the bytes
        size (int):
    """

    content_type: str
    created_at: datetime.datetime
    filename: str
    id: str
    sha256: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        content_type = self.content_type

        created_at = self.created_at.isoformat()

        filename = self.filename

        id = self.id

        sha256 = self.sha256

        size = self.size

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "content_type": content_type,
                "created_at": created_at,
                "filename": filename,
                "id": id,
                "sha256": sha256,
                "size": size,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        content_type = d.pop("content_type")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        filename = d.pop("filename")

        id = d.pop("id")

        sha256 = d.pop("sha256")

        size = d.pop("size")

        evidence = cls(
            content_type=content_type,
            created_at=created_at,
            filename=filename,
            id=id,
            sha256=sha256,
            size=size,
        )

        return evidence
