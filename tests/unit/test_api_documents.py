"""The generated API documents are valid, current, and describe every event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from marshmallow import Schema, fields

from shared.events.catalog import ALL_TOPICS, CATALOG, REVIEWS, EventSpec
from tests.unit.schema_files import REPO_ROOT, schema_file
from tools import asyncapi, openapi
from tools.apidocs import is_current, render, stale_message
from tools.services import SERVICES, Service

DOCS = REPO_ROOT / "docs"
Document = dict[str, Any]


@pytest.fixture(scope="module")
def document() -> Document:
    # Through render and back: exactly what the committed file holds.
    loaded: Document = json.loads(render(asyncapi.build_document()))
    return loaded


def asyncapi_errors(document: Document) -> list[str]:
    schema = json.loads(schema_file("asyncapi-3.0.0.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def resolve(document: Document, reference: dict[str, str]) -> Any:
    """Follow a reference, and the references it leads to, within the document."""
    node: Any = document
    for part in reference["$ref"].removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return resolve(document, node) if "$ref" in node else node


def message_for(document: Document, event: EventSpec) -> Document:
    matches = [
        message
        for message in document["components"]["messages"].values()
        if message["headers"]["properties"].get("ce_dataschema", {}).get("const")
        == event.dataschema
    ]
    assert len(matches) == 1, f"{event.dataschema}: {len(matches)} messages"
    return matches[0]


def wire_names(schema: type[Schema], *, required_only: bool = False) -> set[str]:
    return {
        field.data_key or name
        for name, field in schema().fields.items()
        if field.required or not required_only
    }


def assert_current(path: Path, fresh: str, command: str) -> None:
    if not is_current(path, fresh):
        pytest.fail(stale_message(path.relative_to(REPO_ROOT), command), pytrace=False)


def test_asyncapi_document_is_valid_asyncapi_3(document: Document) -> None:
    assert asyncapi_errors(document) == []


def test_committed_asyncapi_document_is_current() -> None:
    fresh = render(asyncapi.build_document())
    assert_current(DOCS / "asyncapi.json", fresh, "python -m tools.asyncapi")


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_committed_openapi_document_is_current(service: Service) -> None:
    fresh = render(openapi.build_document(service))
    assert_current(DOCS / "openapi" / f"{service.name}.json", fresh, "python -m tools.openapi")


@pytest.mark.parametrize("event", CATALOG.values(), ids=lambda event: event.dataschema)
def test_every_event_is_a_message_with_its_payload_schema(
    document: Document, event: EventSpec
) -> None:
    message = message_for(document, event)
    payload = resolve(document, message["payload"])

    assert message["name"] == event.type
    assert set(payload["properties"]) == wire_names(event.schema)
    assert set(payload.get("required", [])) == wire_names(event.schema, required_only=True)
    channel = next(c for c in document["channels"].values() if c["address"] == event.topic)
    assert message in [resolve(document, ref) for ref in channel["messages"].values()]


def test_every_topic_has_its_channel_and_dead_letter_channel(document: Document) -> None:
    addresses = {channel["address"] for channel in document["channels"].values()}

    assert addresses == set(ALL_TOPICS)


class ReviewArchivedV1(Schema):
    proposal_id = fields.String(required=True)
    archived_by = fields.String(required=True)


def test_a_new_event_spec_is_documented_without_changing_the_builder() -> None:
    new = EventSpec("review.archived", 1, REVIEWS, ReviewArchivedV1, "A review was archived.")
    document = json.loads(
        render(asyncapi.build_document({**CATALOG, new.dataschema: new}, consumers={}))
    )

    message = message_for(document, new)
    assert set(resolve(document, message["payload"])["properties"]) == wire_names(ReviewArchivedV1)
    review_sends = [
        resolve(document, ref)
        for op in document["operations"].values()
        if op["action"] == "send" and resolve(document, op["channel"])["address"] == REVIEWS
        for ref in op["messages"]
    ]
    assert message in review_sends
    assert asyncapi_errors(document) == []


def test_check_reports_a_stale_file_and_passes_once_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "asyncapi.json"

    assert asyncapi.main(["--check", str(path)]) == 1
    assert f"{path} is stale" in capsys.readouterr().err
    assert asyncapi.main([str(path)]) == 0
    assert asyncapi.main(["--check", str(path)]) == 0


def test_a_missing_schema_directory_fails_saying_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match=str(tmp_path)):
        schema_file("asyncapi-3.0.0.json", dirs=[tmp_path])
