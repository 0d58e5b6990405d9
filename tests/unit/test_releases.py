"""The contract checks of tools.release: the tree against the last releases, and what
they refuse (each breaking change a test makes on purpose) or let through."""

from __future__ import annotations

import copy
import json
import tomllib
from dataclasses import replace
from typing import Any

import pytest
from marshmallow import Schema, fields, validate

from shared.events.catalog import (
    CATALOG,
    CATALOG_VERSION,
    PROPOSAL_SUBMITTED,
    REVIEW_ASSIGNED,
    EventSpec,
    declared,
    spec_for,
)
from shared.events.proposal import ProposalSubmittedV1
from shared.events.review import ReviewAssignedV1
from tests.unit.schema_files import REPO_ROOT
from tools import asyncapi, release
from tools.apidocs import render
from tools.contracts import EXTENSIBLE
from tools.release import Contract, check, emitted, event_schemas
from tools.services import SERVICES

Document = dict[str, Any]


@pytest.fixture(scope="module")
def released() -> Contract:
    return release.released_contract()[0]


@pytest.fixture(scope="module")
def current() -> Contract:
    return release.current_contract()


def with_events(current: Contract, catalog: dict[str, EventSpec]) -> Contract:
    """``current`` with the events of another catalog (what its producers would emit)."""
    document = json.loads(render(asyncapi.build_document(catalog=catalog)))
    return replace(current, events=event_schemas(document), emits=emitted(document))


def variant(base: type[Schema], drop: tuple[str, ...] = (), **changed: Any) -> type[Schema]:
    """``base`` as a new class: ``drop`` fields removed, ``changed`` fields replaced or added."""
    declared_fields = {
        name: copy.deepcopy(field)
        for name, field in base._declared_fields.items()
        if name not in drop
    }
    # Its own name: the AsyncAPI document names payload schemas by class name.
    return type(f"{base.__name__}Changed", base.__bases__, {**declared_fields, **changed})


def changing(type_: str, schema: type[Schema], version: int = 1) -> dict[str, EventSpec]:
    catalog = dict(CATALOG)
    spec = spec_for(type_)
    new = replace(spec, schema=schema, version=version)
    catalog[new.dataschema] = new
    return catalog


# -- the tree as it is -------------------------------------------------------------------


def test_the_tree_is_compatible_with_the_last_releases(
    released: Contract, current: Contract
) -> None:
    assert check(released, current) == []


def test_every_release_in_the_index_has_its_snapshot() -> None:
    index = release.load_index()
    assert {r.component for r in index} == {"events", *release.SERVICE_NAMES}
    for entry in index:
        assert entry.tag == f"{entry.component}-v{entry.version}"
        assert len(entry.commit) == 40
        wanted = (
            ["asyncapi.json"] if entry.component == "events" else ["openapi.json", "events.json"]
        )
        for name in wanted:
            assert (entry.folder / name).is_file(), f"{entry.tag}: {name} missing"


def test_versions_never_go_below_the_last_release() -> None:
    last = release.latest(release.load_index())

    def parts(version: str) -> tuple[int, ...]:
        return tuple(int(p) for p in version.split("."))

    assert parts(CATALOG_VERSION) >= parts(last["events"].version)
    for name in release.SERVICE_NAMES:
        pyproject = REPO_ROOT / "services" / name / "pyproject.toml"
        version = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
        assert parts(version) >= parts(last[name].version), name


@pytest.mark.parametrize("service", SERVICES, ids=lambda service: service.name)
def test_each_consumer_declares_exactly_what_it_handles(service: Any) -> None:
    consumers = __import__(f"services.{service.name}.consumers", fromlist=["READS"])
    handled = {dataschema for _, handlers in service.consumers for dataschema in handlers}
    assert set(declared(consumers.READS)) == handled


# -- events: refused ---------------------------------------------------------------------


def test_a_removed_event_field_is_refused_by_name(released: Contract, current: Contract) -> None:
    catalog = changing(REVIEW_ASSIGNED, variant(ReviewAssignedV1, drop=("title",)))
    assert check(released, with_events(current, catalog)) == [
        "urn:inagara:event:review.assigned:v1: field `title` removed (or renamed)"
    ]


def test_a_renamed_event_field_is_refused(released: Contract, current: Contract) -> None:
    renamed = variant(ReviewAssignedV1, drop=("title",), name=fields.String(required=True))
    findings = check(released, with_events(current, changing(REVIEW_ASSIGNED, renamed)))
    assert "urn:inagara:event:review.assigned:v1: field `title` removed (or renamed)" in findings
    assert "urn:inagara:event:review.assigned:v1: field `name` added as required" in findings


def test_a_changed_type_is_refused(released: Contract, current: Contract) -> None:
    retyped = variant(ReviewAssignedV1, title=fields.Integer(required=True))
    assert check(released, with_events(current, changing(REVIEW_ASSIGNED, retyped))) == [
        'urn:inagara:event:review.assigned:v1: field `title` changed type from "string" '
        'to "integer"'
    ]


def test_an_optional_field_made_required_is_refused(released: Contract, current: Contract) -> None:
    stricter = variant(
        ReviewAssignedV1, replaces_assignment_id=fields.String(required=True, allow_none=True)
    )
    assert check(released, with_events(current, changing(REVIEW_ASSIGNED, stricter))) == [
        "urn:inagara:event:review.assigned:v1: field `replaces_assignment_id` made required "
        "(older writers leave it out)"
    ]


def test_a_nested_field_is_named_by_its_path(released: Contract, current: Contract) -> None:
    profile = ProposalSubmittedV1._declared_fields["profile"]
    nested = variant(profile.nested, drop=("title",))  # type: ignore[attr-defined]
    schema = variant(ProposalSubmittedV1, profile=fields.Nested(nested, required=True))
    findings = check(released, with_events(current, changing(PROPOSAL_SUBMITTED, schema)))
    assert findings == [
        "urn:inagara:event:proposal.submitted:v1: field `profile.title` removed (or renamed)"
    ]


def test_a_wider_enum_is_refused_where_readers_do_not_tolerate_it(
    released: Contract, current: Contract
) -> None:
    wider = variant(
        ReviewAssignedV1,
        round=fields.String(required=True, validate=validate.OneOf(("desk", "panel", "final"))),
    )
    findings = check(released, with_events(current, changing(REVIEW_ASSIGNED, wider)))
    assert len(findings) == 1
    assert findings[0].startswith(
        'urn:inagara:event:review.assigned:v1: field `round` widened its enum (added "final")'
    )


def test_a_wider_enum_passes_in_an_event_no_service_reads(
    released: Contract, current: Contract
) -> None:
    reads = {
        s: [d for d in found if "review.assigned" not in d] for s, found in current.reads.items()
    }
    released_reads = {
        s: [d for d in found if "review.assigned" not in d] for s, found in released.reads.items()
    }
    wider = variant(
        ReviewAssignedV1,
        round=fields.String(required=True, validate=validate.OneOf(("desk", "panel", "final"))),
    )
    changed = replace(with_events(current, changing(REVIEW_ASSIGNED, wider)), reads=reads)
    assert check(replace(released, reads=released_reads), changed) == []


# -- events: let through -----------------------------------------------------------------


def test_a_new_optional_field_passes(released: Contract, current: Contract) -> None:
    more = variant(ReviewAssignedV1, room=fields.String(load_default=None, allow_none=True))
    assert check(released, with_events(current, changing(REVIEW_ASSIGNED, more))) == []


def test_a_wider_enum_passes_where_every_reader_tolerates_unknown_values(
    released: Contract, current: Contract
) -> None:
    tolerated = variant(
        ReviewAssignedV1,
        round=fields.String(
            required=True,
            validate=validate.OneOf(("desk", "panel", "final")),
            metadata={EXTENSIBLE: True},
        ),
    )
    assert check(released, with_events(current, changing(REVIEW_ASSIGNED, tolerated))) == []


def test_a_breaking_change_as_a_new_version_passes_while_both_are_read(
    released: Contract, current: Contract
) -> None:
    v2 = variant(ReviewAssignedV1, drop=("title",), headline=fields.String(required=True))
    catalog = changing(REVIEW_ASSIGNED, v2, version=2)  # v1 stays, emitted beside v2
    v2_urn = "urn:inagara:event:review.assigned:v2"
    reads = {
        service: [*found, v2_urn] if spec_for(REVIEW_ASSIGNED).dataschema in found else found
        for service, found in current.reads.items()
    }
    assert check(released, replace(with_events(current, catalog), reads=reads)) == []


# -- consumer declarations ---------------------------------------------------------------


def test_a_producer_that_stops_emitting_a_version_a_released_consumer_reads_is_refused(
    released: Contract, current: Contract
) -> None:
    catalog = dict(CATALOG)
    v1 = spec_for(REVIEW_ASSIGNED)
    catalog[v1.dataschema] = replace(v1, emitted=False)  # retired from producing, still read
    assert check(released, with_events(current, catalog)) == [
        f"urn:inagara:event:review.assigned:v1: the released {service} consumer reads it, "
        "and no producer emits it any more"
        for service in ("notification", "submission")
    ]


def test_removing_a_version_someone_reads_is_refused(released: Contract, current: Contract) -> None:
    catalog = {d: s for d, s in CATALOG.items() if s.type != REVIEW_ASSIGNED}
    findings = check(released, with_events(current, catalog))
    assert (
        "urn:inagara:event:review.assigned:v1: removed from the catalog while notification, "
        "submission read it"
    ) in findings


def test_a_consumer_that_drops_a_version_a_released_producer_emits_is_refused(
    released: Contract, current: Contract
) -> None:
    v1, v2 = spec_for(REVIEW_ASSIGNED).dataschema, "urn:inagara:event:review.assigned:v2"
    reads = {s: [v2 if d == v1 else d for d in found] for s, found in current.reads.items()}
    assert check(released, replace(current, reads=reads)) == [
        f"{v1}: {service} no longer reads it, and the released review emits it "
        "(records in the topic and its dead-letter topic)"
        for service in ("notification", "submission")
    ]


# -- OpenAPI -----------------------------------------------------------------------------


def with_openapi(current: Contract, service: str, document: Document) -> Contract:
    return replace(current, openapi={**current.openapi, service: document})


def test_a_removed_response_field_is_refused(released: Contract, current: Contract) -> None:
    document = copy.deepcopy(current.openapi["submission"])
    del document["components"]["schemas"]["Proposal"]["properties"]["submitted_version"]
    findings = check(released, with_openapi(current, "submission", document))
    assert findings
    assert all("submitted_version` removed (or renamed)" in f for f in findings)
    assert (
        "submission GET /v1/proposals/{proposal_id} response 200: "
        "field `submitted_version` removed (or renamed)"
    ) in findings


def test_a_response_field_made_optional_is_refused(released: Contract, current: Contract) -> None:
    document = copy.deepcopy(current.openapi["submission"])
    document["components"]["schemas"]["Proposal"]["required"].remove("status")
    findings = check(released, with_openapi(current, "submission", document))
    assert (
        "submission GET /v1/proposals/{proposal_id} response 200: field `status` made optional "
        "(readers count on it)"
    ) in findings


def test_a_new_required_request_field_is_refused(released: Contract, current: Contract) -> None:
    document = copy.deepcopy(current.openapi["submission"])
    write = document["components"]["schemas"]["ProposalWrite"]
    write["properties"]["sponsor"] = {"type": "string"}
    write["required"].append("sponsor")
    findings = check(released, with_openapi(current, "submission", document))
    assert "submission POST /v1/proposals request: field `sponsor` added as required" in findings


def test_a_removed_path_is_refused(released: Contract, current: Contract) -> None:
    document = copy.deepcopy(current.openapi["submission"])
    del document["paths"]["/v1/me"]
    assert check(released, with_openapi(current, "submission", document)) == [
        "submission /v1/me: path removed (keep it; add a new path version)"
    ]


def test_a_new_field_in_a_response_passes(released: Contract, current: Contract) -> None:
    document = copy.deepcopy(current.openapi["submission"])
    document["components"]["schemas"]["Proposal"]["properties"]["score"] = {"type": "number"}
    assert check(released, with_openapi(current, "submission", document)) == []


def test_a_breaking_change_on_a_new_path_version_passes(
    released: Contract, current: Contract
) -> None:
    document = copy.deepcopy(current.openapi["submission"])
    slimmer = copy.deepcopy(document["components"]["schemas"]["Proposal"])
    del slimmer["properties"]["submitted_version"]
    document["components"]["schemas"]["ProposalV2"] = slimmer
    v2 = copy.deepcopy(document["paths"]["/v1/proposals/{proposal_id}"])
    v2["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/ProposalV2"
    }
    document["paths"]["/v2/proposals/{proposal_id}"] = v2
    assert check(released, with_openapi(current, "submission", document)) == []
