"""A schema's ``dump`` for data it has just loaded, without marshmallow's per-field
machinery: the JSON form of a request body costs a dictionary comprehension.

``json_form(schema)`` reads the schema's fields once and returns a function that
gives what ``schema.dump(loaded)`` gives for loaded data (strings, integers, dates,
lists, nested schemas of those); a schema with any other kind of field gets
``schema.dump`` itself. A unit test holds the two equal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import Schema, fields

Convert = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _iso(value: Any) -> Any:
    return None if value is None else value.isoformat()


def _int(value: Any) -> Any:
    return None if value is None else int(value)


def _converter(field: fields.Field[Any]) -> Convert | None:
    if isinstance(field, fields.Date):  # before DateTime: a Date is one
        return _iso
    if isinstance(field, fields.DateTime):
        return None
    if isinstance(field, fields.String):
        return _same  # loaded text is already a str
    if isinstance(field, fields.Integer):
        return _int
    if isinstance(field, fields.List):
        inner = _converter(field.inner)
        if inner is None:
            return None
        return lambda value: None if value is None else [inner(item) for item in value]
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        nested = _dumper(field.schema)
        if nested is None:
            return None
        return lambda value: None if value is None else nested(value)
    return None


def _dumper(schema: Schema) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    plan: list[tuple[str, str, Convert]] = []
    if _has_dump_hooks(schema):
        return None
    for name, field in schema.dump_fields.items():
        convert = _converter(field)
        if convert is None or field.attribute not in (None, name):
            return None
        plan.append((name, field.data_key or name, convert))

    def dump(loaded: dict[str, Any]) -> dict[str, Any]:
        return {key: convert(loaded[name]) for name, key, convert in plan if name in loaded}

    return dump


def json_form(schema: Schema) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """What ``schema.dump`` gives for data ``schema`` (or a stricter one) loaded."""
    fast = None if schema.many or _has_dump_hooks(schema) else _dumper(schema)
    return fast or schema.dump


def _has_dump_hooks(schema: Schema) -> bool:
    hooks = schema._hooks  # marshmallow keeps its hooks here, by tag
    return any(hooks.get(tag) for tag in ("pre_dump", "post_dump"))
