"""Generated API documents under ``docs/``: render, write, or check they are current.

``tools.asyncapi`` and ``tools.openapi`` build the documents; this
module only decides how they look on disk and what ``--check`` reports, so
that both commands behave alike.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def render(document: Mapping[str, Any]) -> str:
    """The document as committed: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def is_current(path: Path, text: str) -> bool:
    """Whether ``path`` holds exactly ``text`` (a missing file is not current)."""
    try:
        return path.read_text(encoding="utf-8") == text
    except FileNotFoundError:
        return False


def stale_message(path: Path, command: str) -> str:
    return f"{path} is stale: run `make docs` (or `{command}`)"


def sync(files: Mapping[Path, str], *, check: bool, command: str) -> int:
    """Write every file whose text changed, or with ``check`` only report them.

    ``command`` is what regenerates the files, named in the report.

    Returns the exit status: 1 when ``check`` finds a stale or missing file.
    Raises ``OSError`` when a file cannot be written.
    """
    stale = [path for path, text in files.items() if not is_current(path, text)]
    if check:
        for path in stale:
            print(stale_message(path, command), file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
        print(f"wrote {path}")
    return 0
