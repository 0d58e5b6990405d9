"""``json_form`` gives what the schema's ``dump`` gives for data the schema loaded."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from marshmallow import Schema, fields, post_dump

from deploy.local.stack import DEMO_PROPOSAL
from services.submission.api.schemas import ProposalWriteSchema
from shared.events.json_form import json_form
from shared.events.proposal import ProposalProfileSchema


def variants() -> list[dict[str, Any]]:
    base = copy.deepcopy(DEMO_PROPOSAL)
    dated = {**base, "trial_date": "2026-02-01", "implementation_date": "2026-07-15"}
    many = {
        **base,
        "innovators": [
            {"name": "Siti", "email": "siti@example.go.id", "phone": "081234567890"},
            {"name": "Budi", "email": "budi@example.go.id", "phone": "+62 812-3456-7891"},
        ],
        "evidence_links": [],
        "results": "",
    }
    minimal = {
        k: v for k, v in base.items() if k not in ("results", "trial_date", "evidence_links")
    }
    return [base, dated, many, minimal, {**base, "cycle_id": "2026"}]


@pytest.mark.parametrize("body", variants())
def test_the_profile_of_a_loaded_body_is_what_the_schema_dumps(body: dict[str, Any]) -> None:
    loaded = ProposalWriteSchema().load(body)
    loaded.pop("cycle_id", None)
    schema = ProposalProfileSchema()
    fast = json_form(schema)(loaded)
    assert fast == schema.dump(loaded)
    assert list(fast) == list(schema.dump(loaded))  # the same order, for the same JSON
    assert fast is not loaded


def test_a_schema_with_a_dump_hook_or_another_kind_of_field_gets_its_own_dump() -> None:
    class Hooked(Schema):
        name = fields.String()

        @post_dump
        def shout(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
            return {"name": data["name"].upper()}

    class Stamped(Schema):
        at = fields.DateTime()

    hooked, stamped = Hooked(), Stamped()
    assert json_form(hooked)({"name": "x"}) == {"name": "X"}
    assert json_form(stamped) == stamped.dump
