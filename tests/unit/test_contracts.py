"""The structural differ of tools/contracts.py on small schemas: who reads decides."""

from __future__ import annotations

from typing import Any

import pytest

from tools import release
from tools.contracts import Role, schema_changes


def changes(old: dict[str, Any], new: dict[str, Any], role: Role) -> list[str]:
    return schema_changes(old, new, role, "x", {}, {})


def obj(required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required)}


STRING = {"type": "string"}


def test_a_request_may_drop_a_requirement_a_response_may_not() -> None:
    old, new = obj(("a",), a=STRING), obj((), a=STRING)
    assert changes(old, new, Role.REQUEST) == []
    assert changes(old, new, Role.RESPONSE) == ["x: field `a` made optional (readers count on it)"]
    assert changes(old, new, Role.EVENT) == []


def test_a_response_may_make_a_field_required_a_request_may_not() -> None:
    old, new = obj((), a=STRING), obj(("a",), a=STRING)
    assert changes(old, new, Role.RESPONSE) == []
    assert changes(old, new, Role.REQUEST) == [
        "x: field `a` made required (older writers leave it out)"
    ]


def test_nullable_is_a_type_change() -> None:
    old, new = obj(a=STRING), obj(a={"type": "string", "nullable": True})
    assert changes(old, new, Role.RESPONSE) == [
        'x: field `a` changed type from "string" to "null", "string"'
    ]


def test_enums_narrow_for_writers_and_widen_for_readers() -> None:
    two, three = {"enum": ["a", "b"]}, {"enum": ["a", "b", "c"]}
    assert changes(three, two, Role.RESPONSE) == []
    assert changes(three, two, Role.REQUEST) == ['x: the payload narrowed its enum (removed "c")']
    assert changes(two, three, Role.REQUEST) == []
    assert changes(two, three, Role.RESPONSE)[0].startswith(
        'x: the payload widened its enum (added "c")'
    )
    tolerant = {**three, "x-extensible-enum": True}
    assert changes(two, tolerant, Role.EVENT) == []


def test_arrays_and_references_are_followed() -> None:
    root_old = {"defs": {"P": obj(("n",), n=STRING)}}
    root_new = {"defs": {"P": obj(("n",), n={"type": "integer"})}}
    old = {"type": "array", "items": {"$ref": "#/defs/P"}}
    assert schema_changes(old, old, Role.EVENT, "x", root_old, root_new) == [
        'x: field `[].n` changed type from "string" to "integer"'
    ]


def test_a_recursive_schema_ends() -> None:
    root = {"defs": {"T": obj(child={"$ref": "#/defs/T"}, name=STRING)}}
    assert (
        schema_changes({"$ref": "#/defs/T"}, {"$ref": "#/defs/T"}, Role.EVENT, "x", root, root)
        == []
    )


@pytest.mark.parametrize("entry", release.load_index(), ids=lambda r: r.tag)
def test_each_snapshot_is_what_the_tool_takes_from_its_commit(entry: release.Release) -> None:
    version, files = release.released_files(entry.component, entry.commit)
    assert version == entry.version
    for name, text in files.items():
        assert (entry.folder / name).read_text(encoding="utf-8") == text, name
