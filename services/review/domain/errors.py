"""What a use case refuses, in words the HTTP edge maps to status codes."""

from __future__ import annotations


class NotFound(LookupError):
    """No such thing, or not one the caller may see (both are a 404)."""


class Conflict(RuntimeError):
    """The request does not fit the current state (409)."""


class Invalid(ValueError):
    """Fields that are wrong (422), with messages per field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors
