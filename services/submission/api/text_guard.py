"""Refuse the NUL character before it reaches the database.

PostgreSQL cannot store U+0000 in text and would fail the request with a 500;
SQLite would store it. Neither is what a portal meant, so it is a 422 (a 404
in a path, where no resource can have such a name).
"""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.exceptions import NotFound, UnprocessableEntity

NUL = "\x00"


def contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(v) for v in value)
    return False


def refuse_nul_characters() -> None:
    if NUL in request.path:
        raise NotFound("Nothing has a name with the NUL character.")
    if contains_nul(request.args.to_dict(flat=False)) or NUL in request.headers.get(
        "Idempotency-Key", ""
    ):
        raise UnprocessableEntity("Text may not contain the NUL character (U+0000).")
    if request.is_json and contains_nul(request.get_json(silent=True)):
        raise UnprocessableEntity("Text may not contain the NUL character (U+0000).")
