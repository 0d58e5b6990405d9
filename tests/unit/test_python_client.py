"""The generated Python client (clients/python) is what the committed OpenAPI document
of the submission API generates; a document changed without `make docs` fails here."""

from __future__ import annotations

import json
from pathlib import Path

from tools import client


def test_the_kept_client_is_current() -> None:
    assert client.main(["--check"]) == 0, "run `make docs`"


def test_a_changed_document_makes_the_kept_client_stale(tmp_path: Path) -> None:
    document = json.loads(client.DOCUMENT.read_text())
    document["paths"]["/v1/portal-news"] = {
        "get": {"summary": "Something new", "responses": {"200": {"description": "OK"}}}
    }
    changed = tmp_path / "submission.json"
    changed.write_text(json.dumps(document))
    out = tmp_path / "out"
    out.mkdir()

    fresh = client.generate(out, changed)

    assert client.differences(fresh, client.TARGET)
