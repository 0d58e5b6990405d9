"""schemathesis 4 with ``--checks all`` against the four running services, as an outsider
would run it: the real gunicorn behind the real nginx, each service's served OpenAPI
document, valid credentials (an agency API key; the admin token, which no call can
end, for the review, notification and results APIs). Bounded: a fixed seed and a few examples
per operation (about a minute in all).

No answer may be a 5xx, and every other finding must be one of ACCEPTED below, each
with the reason it is acceptable; anything new fails the test and names itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from deploy.local import proxy
from deploy.local.ports import free_port
from deploy.local.stack import SERVICES, Stack, StackConfig

pytestmark = pytest.mark.e2e
ADMIN = "schemathesis-admin-token"
EXAMPLES = 10

# Rules no JSON Schema can state, so that schema-valid data is refused (ST202): a phone
# number that can receive an SMS, an email or phone as an address, a cycle or cursor that
# exists, dates in order, rubric weights that add up, a state that allows the move, an
# Idempotency-Key reused with another body (a 422 by design), scores for exactly the
# rubric's criteria, the bytes of an evidence
# file being an accepted kind (415), an unsubscribe token's signature (400).
REFUSED_BY_RULES_BEYOND_THE_SCHEMA = "ST202"
# PATCH with no body at all is the empty change set (like ``{}``): it changes nothing.
EMPTY_PATCH = "ST201"
ACCEPTED: dict[str, dict[str, set[str]]] = {
    "submission": {
        REFUSED_BY_RULES_BEYOND_THE_SCHEMA: {
            "POST /v1/agencies",
            "PATCH /v1/agencies/{agency_id}",
            "POST /v1/agencies/{agency_id}/keys",
            "GET /v1/proposals",
            "POST /v1/proposals",
            "PUT /v1/proposals/{proposal_id}",
            "POST /v1/proposals/{proposal_id}/submit",
            "POST /v1/proposals/{proposal_id}/withdraw",
            "POST /v1/proposals/{proposal_id}/evidence",
            # Only a withdrawn proposal inside its window reopens; an addendum's file is an
            # accepted kind and its proposal takes addenda now (409).
            "POST /v1/proposals/{proposal_id}/reopen",
            "POST /v1/proposals/{proposal_id}/addenda",
            # A webhook URL must resolve, and not into a private network.
            "POST /v1/agencies/{agency_id}/webhooks",
            "PATCH /v1/agencies/{agency_id}/webhooks/{endpoint_id}",
            # A request about a person names them by email or phone (one of the two).
            "POST /v1/subjects/erasures",
            "POST /v1/subjects/exports",
        },
        EMPTY_PATCH: {
            "PATCH /v1/agencies/{agency_id}",
            "PATCH /v1/agencies/{agency_id}/webhooks/{endpoint_id}",
        },
    },
    "review": {
        REFUSED_BY_RULES_BEYOND_THE_SCHEMA: {
            "POST /v1/users",
            "PATCH /v1/users/{user_id}",
            "POST /v1/cycles",
            "PATCH /v1/cycles/{cycle_id}",
            "PUT /v1/cycles/{cycle_id}/rubrics/{round}",
            "POST /v1/cycles/{cycle_id}/panel",
            "POST /v1/cycles/{cycle_id}/awards",
            # Results only once every award is decided (409).
            "POST /v1/cycles/{cycle_id}/results",
            "POST /v1/proposals/{proposal_id}/assignments",
            "POST /v1/proposals/{proposal_id}/decisions",
            "POST /v1/proposals/{proposal_id}/verification",
            "PUT /v1/assignments/{assignment_id}/review",
            # An email has one account (409); a password must meet the policy (422) and a
            # link must be live (404); a new invitation only for an account without a password.
            "POST /v1/invitations",
            "POST /v1/auth/password",
            "POST /v1/users/{user_id}/invitation",
            # A declared conflict names an agency of the register or a proposal (422).
            "POST /v1/conflicts",
            # Only a finalist is scheduled (409); a time in the past, a presentation without
            # a place or link, an unknown team member are 422; cancelling needs a schedule.
            "PUT /v1/proposals/{proposal_id}/presentation",
            "PUT /v1/proposals/{proposal_id}/visit",
            "DELETE /v1/proposals/{proposal_id}/presentation",
            "DELETE /v1/proposals/{proposal_id}/visit",
            # The public objection window: a shortlist to publish (409), an objection that
            # exists and may move so (404, 409), a window open for a proposal on the
            # published shortlist (409) and a file of an accepted kind (415).
            "POST /v1/cycles/{cycle_id}/shortlist/publication",
            "POST /v1/objections/{objection_id}/answer",
            "POST /v1/public/objections",
        },
        EMPTY_PATCH: {"PATCH /v1/users/{user_id}", "PATCH /v1/cycles/{cycle_id}"},
    },
    "notification": {
        REFUSED_BY_RULES_BEYOND_THE_SCHEMA: {
            "GET /unsubscribe",
            "POST /unsubscribe",
            "GET /v1/deliveries",
            "GET /v1/preferences/{address}",
            "PUT /v1/preferences/{address}",
            # The event's data must be what the event type's own schema says, and a reviewer's
            # events need the reviewer: the preview checks them as the worker would.
            "POST /v1/previews",
        },
    },
    # Public and read-only. The catalogue's text filters must be one line (no control
    # characters: a NUL is refused by PostgreSQL), which the schema's string type cannot say.
    "results": {REFUSED_BY_RULES_BEYOND_THE_SCHEMA: {"GET /v1/catalog"}},
}


@pytest.fixture(scope="module")
def stack(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    subprocess.run(["sh", "deploy/local/ensure-nginx.sh"], check=False)
    assert proxy.find_nginx(), "no nginx: deploy/local/ensure-nginx.sh installs Debian's"
    var = tmp_path_factory.mktemp("schemathesis")
    config = StackConfig(
        var_dir=var / "var",
        admin_token=ADMIN,
        ports={service: free_port() for service in SERVICES},
        broker_port=0,
        smtp_port=free_port(),
        smtp_host="127.0.0.1",
        kafka_bootstrap_servers=kafka_bootstrap,
        database_urls={s: f"sqlite:///{var}/{s}.db" for s in SERVICES},
        web_workers=1,
        proxy=True,
        extra_env={"EVIDENCE_DIR": str(var / "evidence")},
    )
    stack = Stack(config)
    try:
        for service in SERVICES:
            stack.start_web(service)
        yield stack
    finally:
        stack.stop()


def run_schemathesis(base_url: str, secret: str, report: Path) -> dict[str, object]:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {secret}",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "1",
        "--request-timeout",
        "20",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    # Run beside the report: schemathesis keeps a cache (.schemathesis/) where it runs.
    finished = subprocess.run(
        command, capture_output=True, text=True, timeout=600, check=False, cwd=report.parent
    )
    assert report.exists(), finished.stdout[-3000:] + finished.stderr[-3000:]
    found: dict[str, object] = json.loads(report.read_text())
    found["output"] = finished.stdout
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_no_5xx_and_only_accepted_findings(stack: Stack, service: str, tmp_path: Path) -> None:
    secrets: dict[str, Callable[[], str]] = {
        "submission": stack.create_demo_agency,
        "review": lambda: ADMIN,
        "notification": lambda: ADMIN,
        "results": lambda: ADMIN,  # public: the header is ignored
    }
    found = run_schemathesis(
        stack.config.base_url(service), secrets[service](), tmp_path / "report.json"
    )
    output = str(found["output"])
    operations = found["operations"]
    assert isinstance(operations, dict)
    assert operations["tested"] == operations["total"] > 0, output[-3000:]
    assert found["errors"] == [], output[-3000:]
    failures = found["failures"]
    assert isinstance(failures, list)
    server_errors = [f for f in failures if f["type"] == "ServerError" or "5xx" in f["title"]]
    assert not server_errors, output[-5000:]
    # The stateful phase (chains of calls) reports its findings under this name, not the
    # operation's: accepted for the kinds of finding accepted for some operation here.
    stateful = {"Stateful tests"}
    unexpected = {
        f"{failure['code']} {failure['title']}": sorted(
            set(failure["operations"])
            - ACCEPTED[service].get(failure["code"], set())
            - (stateful if failure["code"] in ACCEPTED[service] else set())
        )
        for failure in failures
    }
    unexpected = {k: v for k, v in unexpected.items() if v}
    assert not unexpected, f"{unexpected}\n{output[-5000:]}"
