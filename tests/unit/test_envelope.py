"""The CloudEvents envelope in Kafka binary content mode."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from shared.events.envelope import Event, InvalidEvent, Record, from_record, to_record


def make_event(**changes: object) -> Event:
    values: dict[str, object] = {
        "type": "proposal.submitted",
        "source": "/inagara/submission",
        "subject": "7d1e4c1a-0000-4000-8000-000000000001",
        "data": {"proposal_id": "7d1e4c1a-0000-4000-8000-000000000001", "n": [1, 2]},
        "dataschema": "urn:inagara:event:proposal.submitted:v1",
        "time": datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=UTC),
        "correlation_id": "corr-1",
        "causation_id": "cause-1",
    }
    values.update(changes)
    return Event(**values)  # type: ignore[arg-type]


def without(record: Record, name: str) -> list[tuple[str, bytes]]:
    return [(n, v) for n, v in record.headers if n != name]


def replaced(record: Record, name: str, value: bytes) -> list[tuple[str, bytes]]:
    return [(n, value if n == name else v) for n, v in record.headers]


def test_round_trip_keeps_every_attribute() -> None:
    event = make_event()
    record = to_record(event)

    back = from_record(record.key, record.value, record.headers)

    assert back.id == event.id
    assert back.type == event.type
    assert back.source == event.source
    assert back.subject == event.subject
    assert back.time == event.time
    assert back.dataschema == event.dataschema
    assert back.correlation_id == "corr-1"
    assert back.causation_id == "cause-1"
    assert back.data == event.data
    assert back == event


def test_round_trip_without_optional_attributes() -> None:
    event = make_event(dataschema="", correlation_id="", causation_id="")
    record = to_record(event)

    back = from_record(record.key, record.value, record.headers)

    assert (back.dataschema, back.correlation_id, back.causation_id) == ("", "", "")
    assert not any(name in {"ce_dataschema", "ce_correlationid"} for name, _ in record.headers)


def test_key_is_the_subject() -> None:
    event = make_event()
    assert to_record(event).key == event.subject.encode()


def test_headers_are_kafka_python_pairs_of_str_and_bytes() -> None:
    event = make_event()
    record = to_record(event)

    assert isinstance(record.headers, list)
    assert all(
        isinstance(pair, tuple)
        and len(pair) == 2
        and isinstance(pair[0], str)
        and isinstance(pair[1], bytes)
        for pair in record.headers
    )
    headers = dict(record.headers)
    assert headers["ce_id"] == event.id.encode()
    assert headers["ce_type"] == b"proposal.submitted"
    assert headers["ce_source"] == b"/inagara/submission"
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_subject"] == event.subject.encode()
    assert headers["content-type"] == b"application/json"
    parsed = datetime.fromisoformat(headers["ce_time"].decode().replace("Z", "+00:00"))
    assert parsed == event.time


def test_value_is_the_data_as_json() -> None:
    event = make_event()
    assert json.loads(to_record(event).value) == event.data


def test_content_type_with_charset_is_accepted() -> None:
    record = to_record(make_event())
    headers = replaced(record, "content-type", b"application/json; charset=utf-8")
    assert from_record(record.key, record.value, headers).data == make_event().data


def test_caused_event_keeps_the_correlation_and_names_its_cause() -> None:
    parent = make_event(correlation_id="corr-9")

    child = parent.caused("review.assigned", "/inagara/review", {"x": 1}, "urn:schema")

    assert child.correlation_id == "corr-9"
    assert child.causation_id == parent.id
    assert child.subject == parent.subject
    assert child.id != parent.id
    assert (child.type, child.source, child.data, child.dataschema) == (
        "review.assigned",
        "/inagara/review",
        {"x": 1},
        "urn:schema",
    )


def test_an_event_without_a_correlation_is_followed_by_its_subject() -> None:
    root = make_event(correlation_id="", causation_id="")

    child = root.caused("review.assigned", "/inagara/review", {})

    assert root.correlation == root.subject
    assert child.correlation_id == root.subject
    assert child.causation_id == root.id


def test_first_event_of_a_path_is_correlated_by_its_subject() -> None:
    first = Event.first("proposal.submitted", "/inagara/submission", "prop-1", {"x": 1})

    child = first.caused("review.assigned", "/inagara/review", {}, subject="")

    assert (first.correlation_id, first.causation_id) == ("prop-1", "")
    assert (child.correlation_id, child.causation_id, child.subject) == (
        "prop-1",
        first.id,
        "prop-1",
    )


def test_a_caused_event_may_name_another_subject() -> None:
    parent = make_event(correlation_id="corr-3")

    child = parent.caused("cycle.noted", "/inagara/review", {}, subject="cycle-2026")

    assert (child.subject, child.correlation_id) == ("cycle-2026", "corr-3")


def test_caused_event_survives_the_wire() -> None:
    child = make_event(correlation_id="").caused("review.assigned", "/inagara/review", {})
    record = to_record(child)

    back = from_record(record.key, record.value, record.headers)

    assert (back.correlation_id, back.causation_id) == (child.correlation_id, child.causation_id)


# -- what from_record refuses ---------------------------------------------------


def test_missing_content_type_is_invalid() -> None:
    record = to_record(make_event())
    with pytest.raises(InvalidEvent, match="content-type"):
        from_record(record.key, record.value, without(record, "content-type"))


def test_other_content_type_is_invalid() -> None:
    record = to_record(make_event())
    with pytest.raises(InvalidEvent, match="content-type"):
        from_record(record.key, record.value, replaced(record, "content-type", b"text/plain"))


@pytest.mark.parametrize("body", [b"not json", b"", None, b"{"])
def test_body_that_is_not_json_is_invalid(body: bytes | None) -> None:
    record = to_record(make_event())
    with pytest.raises(InvalidEvent):
        from_record(record.key, body, record.headers)


@pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"42", b"null"])
def test_body_that_is_not_a_json_object_is_invalid(body: bytes) -> None:
    record = to_record(make_event())
    with pytest.raises(InvalidEvent, match="JSON object"):
        from_record(record.key, body, record.headers)


@pytest.mark.parametrize("header", ["ce_id", "ce_source", "ce_type"])
def test_missing_required_attribute_is_invalid(header: str) -> None:
    # A missing ce_id matters most: the inbox deduplicates on it, so an id made
    # up on reading would apply the same record again on every redelivery.
    record = to_record(make_event())
    with pytest.raises(InvalidEvent):
        from_record(record.key, record.value, without(record, header))


def test_missing_subject_is_invalid() -> None:
    record = to_record(make_event())
    with pytest.raises(InvalidEvent, match="ce_subject"):
        from_record(record.key, record.value, without(record, "ce_subject"))


def test_body_that_is_not_utf8_is_invalid() -> None:
    record = to_record(make_event())
    with pytest.raises(InvalidEvent):
        from_record(record.key, b'{"title": "caf\xe9"}', record.headers)


def test_header_that_is_not_utf8_is_invalid() -> None:
    record = to_record(make_event())
    with pytest.raises(InvalidEvent):
        from_record(record.key, record.value, replaced(record, "ce_source", b"\xff\xfe"))


def test_no_headers_at_all_is_invalid() -> None:
    record = to_record(make_event())
    with pytest.raises(InvalidEvent):
        from_record(record.key, record.value, None)
