"""CloudEvents 1.0 envelope in Kafka binary content mode.

The record key is the proposal id (the event's subject) so that one proposal's
events stay ordered on one partition. ``correlationid`` follows a proposal's
whole path; ``causationid`` names the event that caused this one.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

CONTENT_TYPE = "application/json"
_FORMAT = JSONFormat()

Headers = list[tuple[str, bytes]]


class InvalidEvent(ValueError):
    """A record that is not a CloudEvent this system can read."""


@dataclass(frozen=True)
class Event:
    """One fact, as it travels between services."""

    type: str
    source: str
    subject: str
    data: dict[str, Any]
    dataschema: str = ""
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str = ""
    causation_id: str = ""

    @classmethod
    def first(
        cls, type: str, source: str, subject: str, data: dict[str, Any], dataschema: str = ""
    ) -> Event:
        """An event no other event caused (a request's effect): it starts a path named by
        its subject, the proposal id, which every event it causes carries on."""
        return cls(
            type=type,
            source=source,
            subject=subject,
            data=data,
            dataschema=dataschema,
            correlation_id=subject,
        )

    @property
    def correlation(self) -> str:
        """The id that follows this event's whole path (the logs carry it): its
        correlation id, else its subject (the proposal)."""
        return self.correlation_id or self.subject

    def caused(
        self,
        type: str,
        source: str,
        data: dict[str, Any],
        dataschema: str = "",
        *,
        subject: str = "",
    ) -> Event:
        """A new event caused by this one, on the same path: the one way a caused event
        gets its ``correlation_id`` (this one's ``correlation``) and ``causation_id``
        (this one's id). ``subject`` defaults to this event's."""
        return Event(
            type=type,
            source=source,
            subject=subject or self.subject,
            data=data,
            dataschema=dataschema,
            correlation_id=self.correlation,
            causation_id=self.id,
        )


@dataclass(frozen=True)
class Record:
    """What goes on the wire: kafka-python's key, value and list of header pairs."""

    key: bytes | None
    value: bytes
    headers: Headers


def _attributes(event: Event) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "id": event.id,
        "type": event.type,
        "source": event.source,
        "subject": event.subject,
        "time": event.time,
        "datacontenttype": CONTENT_TYPE,
    }
    if event.dataschema:
        attributes["dataschema"] = event.dataschema
    if event.correlation_id:
        attributes["correlationid"] = event.correlation_id
    if event.causation_id:
        attributes["causationid"] = event.causation_id
    return attributes


def to_record(event: Event) -> Record:
    message = to_binary(
        CloudEvent(attributes=_attributes(event), data=event.data),
        _FORMAT,
        key_mapper=lambda ce: ce.get_subject(),
    )
    key = message.key.encode() if isinstance(message.key, str) else message.key
    return Record(key=key, value=message.value, headers=sorted(message.headers.items()))


def from_record(key: bytes | None, value: bytes | None, headers: Headers | None) -> Event:
    """Read a record written by ``to_record``.

    Raises ``InvalidEvent`` for anything else: missing attributes, a content type
    other than JSON, a body that is not a JSON object.
    """
    header_map = {name: bytes(raw or b"") for name, raw in headers or []}
    content_type = header_map.get("content-type", b"").decode("utf-8", "replace")
    if content_type.split(";")[0].strip() != CONTENT_TYPE:
        raise InvalidEvent(f"content-type must be {CONTENT_TYPE}, got {content_type!r}")
    try:
        data = json.loads(value or b"")
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidEvent(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidEvent("body must be a JSON object")
    # The SDK would invent a fresh id for a record without one; the inbox keys on it.
    for required in ("ce_id", "ce_type", "ce_source", "ce_subject"):
        if not header_map.get(required):
            raise InvalidEvent(f"{required} is missing")
    try:
        ce = from_binary(KafkaMessage(headers=header_map, key=key, value=b"null"), _FORMAT)
    except (BaseCloudEventException, UnicodeDecodeError, ValueError) as exc:
        raise InvalidEvent(f"not a CloudEvent: {exc}") from exc
    attrs = ce.get_attributes()
    return Event(
        id=str(attrs["id"]),
        type=str(attrs["type"]),
        source=str(attrs["source"]),
        subject=str(attrs["subject"]),
        time=attrs.get("time") or datetime.now(UTC),
        dataschema=str(attrs.get("dataschema") or ""),
        correlation_id=str(attrs.get("correlationid") or ""),
        causation_id=str(attrs.get("causationid") or ""),
        data=data,
    )
