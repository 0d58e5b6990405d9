"""Whether a contract may change this way: event payloads and OpenAPI documents.

A small structural differ of JSON Schemas (the ones apispec writes from the
marshmallow schemas: objects, arrays, scalars, enums, ``$ref``). No maintained
Python library fits: the OpenAPI differs that judge compatibility are Go
(oasdiff), and the Python packages that diff JSON Schemas are young single-author
projects that report differences, not what a reader of the old contract breaks on.

Who reads a schema decides what breaks (``Role``):

- ``EVENT``: a payload is read by released consumers (new records) and by new
  consumers (old records in a topic or a dead-letter topic), so only a new
  optional field passes; an enum may widen only where the field says every
  reader tolerates unknown values (``x-extensible-enum``).
- ``RESPONSE``: a portal reads what the server writes: a field may be added, not
  removed, retyped or made optional; an enum may not widen (same marker).
- ``REQUEST``: the server reads what a portal writes: a field may be added only
  as optional, none removed, retyped or made required; an enum may not narrow.

Every function returns findings: one line each, naming the field.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from typing import Any

Document = dict[str, Any]

EXTENSIBLE = "x-extensible-enum"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


class Role(enum.Enum):
    EVENT = "event"
    RESPONSE = "response"
    REQUEST = "request"


def resolve(node: Any, root: Document) -> Document:
    """``node`` with its local ``$ref`` (and a one-element ``allOf``) followed."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    if isinstance(node, dict) and len(node.get("allOf", ())) == 1:
        rest = {k: v for k, v in node.items() if k != "allOf"}
        return {**resolve(node["allOf"][0], root), **rest}
    return node if isinstance(node, dict) else {}


def types(node: Document) -> frozenset[str]:
    """The JSON types a value may have (OpenAPI 3.0's ``nullable`` is ``null``)."""
    given = node.get("type")
    found = set([given] if isinstance(given, str) else given or ())
    if node.get("nullable"):
        found.add("null")
    if not found and "properties" in node:
        found.add("object")
    return frozenset(found)


def _shown(values: Iterable[Any]) -> str:
    return ", ".join(sorted(json.dumps(v) for v in values))


def _field(path: str) -> str:
    return f"field `{path}`" if path else "the payload"


class _Differ:
    def __init__(self, old_root: Document, new_root: Document, role: Role, label: str) -> None:
        self.old_root, self.new_root, self.role, self.label = old_root, new_root, role, label
        self.findings: list[str] = []
        self._seen: set[tuple[int, int]] = set()

    def add(self, path: str, what: str) -> None:
        self.findings.append(f"{self.label}: {_field(path)} {what}")

    def compare(self, old_node: Any, new_node: Any, path: str) -> None:
        old, new = resolve(old_node, self.old_root), resolve(new_node, self.new_root)
        if (id(old), id(new)) in self._seen:
            return  # a recursive schema: this pair is being compared already
        self._seen.add((id(old), id(new)))
        old_types, new_types = types(old), types(new)
        if old_types and new_types and old_types != new_types:
            self.add(path, f"changed type from {_shown(old_types)} to {_shown(new_types)}")
            return
        for key in ("format", "const"):
            self.compare_restriction(old.get(key), new.get(key), key, path)
        self.compare_enum(old, new, path)
        for combinator in ("anyOf", "oneOf"):
            if _bare(old.get(combinator)) != _bare(new.get(combinator)):
                self.add(path, f"changed its {combinator}")
        if "properties" in old or "properties" in new:
            self.compare_properties(old, new, path)
        if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
            self.compare(old["items"], new["items"], f"{path}[]")
        old_more, new_more = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_more, dict) and isinstance(new_more, dict):
            self.compare(old_more, new_more, f"{path}{{}}")

    def compare_restriction(self, old: Any, new: Any, key: str, path: str) -> None:
        """A ``format`` or ``const``: adding one narrows, dropping one widens."""
        if old == new:
            return
        if old is None and self.role is Role.RESPONSE:
            return  # a reader of a narrower value is not hurt
        if new is None and self.role is Role.REQUEST:
            return  # a server that accepts more is not hurt
        self.add(path, f"changed {key} from {old!r} to {new!r}")

    def compare_enum(self, old: Document, new: Document, path: str) -> None:
        old_values, new_values = old.get("enum"), new.get("enum")
        if old_values is None and new_values is None:
            return
        narrowed = new_values is not None and (
            old_values is None or bool(set(map(_key, old_values)) - set(map(_key, new_values)))
        )
        widened = old_values is not None and (
            new_values is None or bool(set(map(_key, new_values)) - set(map(_key, old_values)))
        )
        if narrowed and self.role in (Role.EVENT, Role.REQUEST):
            gone = [v for v in old_values or () if new_values is None or v not in new_values]
            self.add(path, f"narrowed its enum (removed {_shown(gone) or 'the any-value'})")
        if widened and self.role in (Role.EVENT, Role.RESPONSE) and not new.get(EXTENSIBLE):
            added = [v for v in new_values or () if v not in old_values]
            self.add(
                path,
                f"widened its enum (added {_shown(added) or 'any value'}) but not every reader "
                f"tolerates unknown values (mark it {EXTENSIBLE} once they do)",
            )

    def compare_properties(self, old: Document, new: Document, path: str) -> None:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
        for name, old_prop in old_props.items():
            sub = f"{path}.{name}" if path else name
            if name not in new_props:
                self.add(sub, "removed (or renamed)")
                continue
            self.compare(old_prop, new_props[name], sub)
            if name in old_required and name not in new_required and self.role is Role.RESPONSE:
                self.add(sub, "made optional (readers count on it)")
            if name not in old_required and name in new_required and self.role is not Role.RESPONSE:
                self.add(sub, "made required (older writers leave it out)")
        for name in new_props.keys() - old_props.keys():
            if name in new_required and self.role is not Role.RESPONSE:
                self.add(f"{path}.{name}" if path else name, "added as required")


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _bare(node: Any) -> Any:
    """A schema without the words that do not change what it accepts."""
    prose = {"description", "title", "example", "examples", "default"}
    if isinstance(node, dict):
        return {k: _bare(v) for k, v in node.items() if k not in prose}
    if isinstance(node, list):
        return [_bare(v) for v in node]
    return node


def schema_changes(
    old: Any, new: Any, role: Role, label: str, old_root: Document, new_root: Document
) -> list[str]:
    """The breaking changes from ``old`` to ``new`` for ``role``'s reader."""
    differ = _Differ(old_root, new_root, role, label)
    differ.compare(old, new, "")
    return differ.findings


def event_changes(old: Mapping[str, Document], new: Mapping[str, Document]) -> list[str]:
    """Breaking changes within each dataschema version both sides have.

    ``old`` and ``new`` map a dataschema to its self-contained JSON Schema (``$defs``).
    A version missing from ``new`` is judged by ``tools.release`` (who still reads it).
    """
    findings: list[str] = []
    for dataschema in sorted(old.keys() & new.keys()):
        findings += schema_changes(
            old[dataschema],
            new[dataschema],
            Role.EVENT,
            dataschema,
            old[dataschema],
            new[dataschema],
        )
    return findings


def _parameters(path_item: Document, operation: Document, root: Document) -> dict[str, Document]:
    found = {}
    for parameter in [*path_item.get("parameters", ()), *operation.get("parameters", ())]:
        parameter = resolve(parameter, root)
        found[f"{parameter['in']} parameter `{parameter['name']}`"] = parameter
    return found


def _operation_changes(
    label: str,
    old_op: Document,
    new_op: Document,
    old_item: Document,
    new_item: Document,
    old: Document,
    new: Document,
) -> list[str]:
    findings: list[str] = []
    old_params = _parameters(old_item, old_op, old)
    new_params = _parameters(new_item, new_op, new)
    for name, param in old_params.items():
        if name not in new_params:
            findings.append(f"{label}: {name} removed")
            continue
        if new_params[name].get("required") and not param.get("required"):
            findings.append(f"{label}: {name} made required")
        findings += schema_changes(
            param.get("schema"),
            new_params[name].get("schema"),
            Role.REQUEST,
            f"{label} {name}",
            old,
            new,
        )
    for name in new_params.keys() - old_params.keys():
        if new_params[name].get("required"):
            findings.append(f"{label}: {name} added as required")
    old_body = resolve(old_op.get("requestBody"), old)
    new_body = resolve(new_op.get("requestBody"), new)
    if new_body.get("required") and not old_body.get("required"):
        findings.append(f"{label}: request body made required")
    for media, content in old_body.get("content", {}).items():
        if media not in new_body.get("content", {}):
            findings.append(f"{label}: request body {media} no longer accepted")
            continue
        findings += schema_changes(
            content.get("schema"),
            new_body["content"][media].get("schema"),
            Role.REQUEST,
            f"{label} request",
            old,
            new,
        )
    new_responses = new_op.get("responses", {})
    for status, response in old_op.get("responses", {}).items():
        if not str(status).startswith("2"):
            continue  # error answers are problem+json, checked where a 2xx uses the schema
        if status not in new_responses:
            findings.append(f"{label}: response {status} removed")
            continue
        new_content = resolve(new_responses[status], new).get("content", {})
        for media, content in resolve(response, old).get("content", {}).items():
            if media not in new_content:
                findings.append(f"{label}: response {status} {media} no longer sent")
                continue
            findings += schema_changes(
                content.get("schema"),
                new_content[media].get("schema"),
                Role.RESPONSE,
                f"{label} response {status}",
                old,
                new,
            )
    return findings


def openapi_changes(old: Document, new: Document, service: str) -> list[str]:
    """Breaking changes of a service's OpenAPI document: a breaking change needs a new path."""
    findings: list[str] = []
    new_paths = new.get("paths", {})
    for path, old_item in old.get("paths", {}).items():
        if path not in new_paths:
            findings.append(f"{service} {path}: path removed (keep it; add a new path version)")
            continue
        new_item = new_paths[path]
        for method in HTTP_METHODS:
            if method not in old_item:
                continue
            label = f"{service} {method.upper()} {path}"
            if method not in new_item:
                findings.append(f"{label}: operation removed")
                continue
            findings += _operation_changes(
                label, old_item[method], new_item[method], old_item, new_item, old, new
            )
    return findings
