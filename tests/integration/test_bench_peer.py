"""The ingest benchmark's textbook peer takes the very body the API takes (the demo
proposal): a peer that answered 422 would be fast at the wrong thing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench import textbook_app
from deploy.local.stack import DEMO_PROPOSAL


def test_the_textbook_peer_accepts_the_apis_demo_body(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/peer.db"
    textbook_app.create_tables(url)
    monkeypatch.setitem(os.environ, "DATABASE_URL", url)
    client = textbook_app.create_app().test_client()

    answer = client.post("/v1/proposals", json=DEMO_PROPOSAL)

    assert answer.status_code == 201, answer.get_json()
    assert json.loads(answer.data)["id"]
