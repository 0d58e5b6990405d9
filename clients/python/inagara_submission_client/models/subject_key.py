from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="SubjectKey")


@_attrs_define
class SubjectKey:
    """
    Attributes:
        key (str): URL-safe base64, 32 bytes
        subject (str):
    """

    key: str
    subject: str

    def to_dict(self) -> dict[str, Any]:
        key = self.key

        subject = self.subject

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "key": key,
                "subject": subject,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        key = d.pop("key")

        subject = d.pop("subject")

        subject_key = cls(
            key=key,
            subject=subject,
        )

        return subject_key
