"""What a use case refuses, in words the HTTP edge maps to status codes."""

from __future__ import annotations


class NotFound(LookupError):
    """No such thing, or not one the caller may see (both are a 404); ``code`` says what
    kind of thing (the problem's stable code, such as ``proposal.not_found``)."""

    def __init__(self, message: str = "", code: str = "resource.not_found") -> None:
        super().__init__(message)
        self.code = code


class Conflict(RuntimeError):
    """The request does not fit the current state (409); ``code`` says how."""

    def __init__(self, message: str = "", code: str = "state.conflict") -> None:
        super().__init__(message)
        self.code = code


class Invalid(ValueError):
    """Fields that are wrong (422), with messages per field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors
