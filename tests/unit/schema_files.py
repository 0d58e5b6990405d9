"""Where the validation tests find the reference JSON Schemas beside the project.

The project keeps its own copies, with their licence, in ``tests/schemas/`` so a
lone clone has what its tests need; ``INAGARA_SCHEMAS_DIR`` may name another
folder to look in first. A test says plainly when neither holds a schema.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV_VAR = "INAGARA_SCHEMAS_DIR"


def schema_dirs() -> list[Path]:
    """Where to look, in order: ``$INAGARA_SCHEMAS_DIR`` when set, then ``tests/schemas``."""
    configured = os.environ.get(ENV_VAR, "").strip()
    return [*([Path(configured)] if configured else []), REPO_ROOT / "tests" / "schemas"]


def schema_file(name: str, dirs: Sequence[Path] | None = None) -> Path:
    """The reference schema ``name``; fails the calling test (never skips) when absent."""
    candidates = [folder / name for folder in (schema_dirs() if dirs is None else dirs)]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(candidate) for candidate in candidates)
    pytest.fail(
        f"{name} not found; looked in: {looked}. Set {ENV_VAR} to the directory that holds it.",
        pytrace=False,
    )
