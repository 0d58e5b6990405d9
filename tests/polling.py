"""Waiting for a result in the end-to-end tests: poll with a deadline, never a fixed sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(
    probe: Callable[[], T | None], what: str, timeout_s: float = 60, step_s: float = 0.1
) -> T:
    """Poll ``probe`` every ``step_s`` until it returns something truthy; fail after
    ``timeout_s`` naming ``what`` was awaited."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s}s: {what}")
        time.sleep(step_s)
