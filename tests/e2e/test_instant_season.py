"""A whole season over the real processes, as the phones see it (issue 17).

Three agencies submit six proposals; some innovators stand on several of them
(one is on two proposals of the same title, a replicated innovation), one
number is not on WhatsApp and one innovator prefers SMS. The review worker
screens and assigns; four reviewers score the desk round (one reviewer's number
is not on WhatsApp either); the secretariat shortlists and rejects, names a
panel, the panel scores the finalists and the secretariat awards.

The notification worker sends through the local WhatsApp Cloud API stand-in and
the local SMS gateway. From what those two received:

- no number got the same instant-message text twice (the dedupe window is 24 h,
  longer than the test), while the season did produce repeats, recorded as
  ``skipped`` in the delivery log;
- reviewers got their assignments on their instant channel and never the
  receipt of a review (receipts go by email only);
- a number not on WhatsApp got its messages once, as SMS.

Quiet hours stay on, but the test places them half a day away from the current
time in the recipients' zone (Asia/Jakarta), so it passes at any hour. The daily
cap is off so that every instant message goes out at once: the dedupe alone has
to keep texts from repeating.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from deploy.local.smsgateway import read_sms
from deploy.local.stack import DEMO_PROPOSAL, Stack
from deploy.local.whatsapp import read_messages
from services.notification.domain import gsm7
from tests.e2e.stacks import session_stack_config
from tests.polling import eventually

pytestmark = pytest.mark.e2e
ADMIN = "e2e-season-admin"
PASSWORD = "correct horse battery"
ZONE = ZoneInfo("Asia/Jakarta")

# People (E.164 as the services normalise them; the portal sends the local form).
SITI = "+6281211110001"  # on four proposals, two of them with the same title
ANDI = "+6281211110002"
BUDI = "+6289911110003"  # not on WhatsApp: every instant message as SMS
RINA = "+6281211110004"  # prefers SMS
REVIEWERS = {
    "BAPPEDA": "+6281311110011",
    "DISKOMINFO": "+6281311110012",
    "UNIV": "+6281311110013",
    "BPS": "+6289911110014",  # not on WhatsApp
}


def local(number: str) -> str:
    return "0" + number.removeprefix("+62")


def innovator(name: str, number: str, **extra: str) -> dict[str, str]:
    return {
        "name": name,
        "email": f"{name.lower()}@inovasi.example.go.id",
        "phone": local(number),
        # They agreed on the portal: without it, email only (INSTANT_REQUIRE_BASIS).
        "instant_consent_at": "2026-02-27T09:00:00+07:00",
        **extra,
    }


PROPOSALS = [
    ("DINKES", "Posyandu Digital", [("Siti", SITI), ("Andi", ANDI)]),
    ("DINKES", "Antrean Puskesmas Daring", [("Siti", SITI)]),
    ("DISDIK", "Rapor Digital Sekolah", [("Budi", BUDI), ("Rina", RINA)]),
    ("PDAM", "Air Bersih Keliling", [("Siti", SITI), ("Budi", BUDI)]),
    ("DISDIK", "Air Bersih Keliling", [("Siti", SITI), ("Rina", RINA)]),
    ("PDAM", "Meter Air Pintar", [("Andi", ANDI)]),
]


def quiet_hours_away_from_now() -> str:
    """A two-hour quiet window starting eleven hours from now, recipients' time."""
    start = datetime.now(ZONE) + timedelta(hours=11)
    end = start + timedelta(hours=2)
    return f"{start:%H}:00-{end:%H}:00"


@pytest.fixture
def stack(
    kafka_bootstrap: str, database_factory: Callable[[], str], tmp_path: Path
) -> Iterator[Stack]:
    config = session_stack_config(
        tmp_path,
        kafka_bootstrap,
        database_factory,
        ADMIN,
        web_workers=1,
        sms_gateway=True,
        whatsapp=True,
        not_on_whatsapp="+62899",
        extra_env={
            "SMS_QUIET_HOURS": quiet_hours_away_from_now(),
            "INSTANT_DEDUPE_HOURS": "24",
            "INSTANT_DAILY_CAP": "0",
            "INSTANT_DEFAULT_CHANNEL": "whatsapp",
        },
    )
    stack = Stack(config).start()
    yield stack
    stack.stop()


class Api:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    def call(
        self, service: str, method: str, path: str, token: str = ADMIN, **kwargs: Any
    ) -> requests.Response:
        return requests.request(
            method,
            f"{self.stack.config.base_url(service)}{path}",
            headers={"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})},
            timeout=10,
            **kwargs,
        )

    def review(self, method: str, path: str, token: str = ADMIN, **kwargs: Any) -> Any:
        answer = self.call("review", method, path, token, **kwargs)
        assert answer.status_code in {200, 201}, f"{method} {path}: {answer.text}"
        return answer.json()

    def deliveries(self, proposal_id: str) -> list[dict[str, Any]]:
        answer = self.call(
            "notification", "GET", f"/v1/deliveries?proposal_id={proposal_id}&limit=500"
        )
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])


def make_reviewers(api: Api) -> dict[str, dict[str, str]]:
    """Reviewer phone -> {id, token}."""
    made = {}
    api.stack.await_agencies(*REVIEWERS)  # the review service refuses unknown agency codes
    for code, number in REVIEWERS.items():
        email = f"penilai-{code.lower()}@penilai.example.go.id"
        user = api.review(
            "POST",
            "/v1/users",
            json={
                "name": f"Penilai {code}",
                "email": email,
                "password": PASSWORD,
                "agency_code": code,
                "phone": local(number),
            },
        )
        token = requests.post(
            f"{api.stack.config.base_url('review')}/v1/auth/tokens",
            json={"email": email, "password": PASSWORD},
            timeout=10,
        ).json()["token"]
        made[number] = {"id": user["id"], "token": token}
    return made


def score_pending(
    api: Api, reviewers: dict[str, dict[str, str]], ours: set[str], round: str, cid: str
) -> int:
    rubric = api.review("GET", f"/v1/cycles/{cid}/rubrics/{round}")
    done = 0
    for n, person in enumerate(reviewers.values()):
        for held in api.review("GET", "/v1/assignments", person["token"])["items"]:
            if held["proposal_id"] not in ours or held["round"] != round:
                continue
            if held["status"] != "pending":
                continue
            level = 1 + (sorted(ours).index(held["proposal_id"]) + n) % 3
            scores = {c["key"]: min(c["scale_max"], level) for c in rubric["criteria"]}
            api.review(
                "PUT",
                f"/v1/assignments/{held['id']}/review",
                person["token"],
                json={"scores": scores},
            )
            done += 1
    return done


def run_season(stack: Stack, api: Api) -> tuple[list[str], dict[str, dict[str, str]]]:
    reviewers = make_reviewers(api)
    now = datetime.now(UTC)
    cycle = api.review(
        "POST",
        "/v1/cycles",
        json={
            "name": "Inovasi Daerah musim e2e",
            "year": now.year,
            "submission_opens_at": (now - timedelta(days=1)).isoformat(),
            "submission_closes_at": (now + timedelta(days=30)).isoformat(),
            "review_deadline": (now + timedelta(days=60)).isoformat(),
            "award_count": 2,
        },
    )
    cid = cycle["id"]
    keys = {
        code: stack.create_demo_agency(code, f"Dinas {code}")
        for code in dict.fromkeys(code for code, _, _ in PROPOSALS)
    }
    some_key = next(iter(keys.values()))
    eventually(
        lambda: any(
            item["id"] == cid
            for item in api.call("submission", "GET", "/v1/cycles", some_key).json()["items"]
        ),
        "the cycle announced to the submission service",
        timeout_s=90,
    )
    ids = []
    for code, title, people in PROPOSALS:
        answer = api.call(
            "submission",
            "POST",
            "/v1/proposals",
            keys[code],
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={
                **DEMO_PROPOSAL,
                "title": title,
                "cycle_id": cid,
                "innovators": [
                    innovator(
                        name, number, **({"instant_channel": "sms"} if number == RINA else {})
                    )
                    for name, number in people
                ],
            },
        )
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    ours = set(ids)

    def status(pid: str) -> str:
        return str(api.call("review", "GET", f"/v1/proposals/{pid}").json().get("status"))

    eventually(
        lambda: all(status(p) == "assigned" for p in ids), "six proposals assigned", timeout_s=90
    )
    assert score_pending(api, reviewers, ours, "desk", cid) >= len(ids) * 2
    eventually(
        lambda: all(status(p) == "scored" for p in ids), "six proposals scored", timeout_s=90
    )

    ranking = api.review("GET", f"/v1/cycles/{cid}/ranking")["items"]
    order = [row["proposal_id"] for row in ranking if row["proposal_id"] in ours]
    assert len(order) == len(ids)
    for pid in order[:3]:
        api.review("POST", f"/v1/proposals/{pid}/decisions", json={"decision": "shortlist"})
    for pid in order[3:5]:
        api.review(
            "POST",
            f"/v1/proposals/{pid}/decisions",
            json={"decision": "reject", "note": "Bukti belum cukup"},
        )
    panel = list(reviewers.values())[:2]
    api.review("POST", f"/v1/cycles/{cid}/panel", json={"reviewer_ids": [p["id"] for p in panel]})
    assert score_pending(api, reviewers, ours, "panel", cid) >= 3
    api.review(
        "POST",
        f"/v1/cycles/{cid}/awards",
        json={
            "awards": [
                {"proposal_id": order[0], "award": "Juara 1"},
                {"proposal_id": order[1], "award": "Juara 2"},
            ]
        },
    )
    return ids, reviewers


FINAL_EVENTS = {"proposal.awarded", "proposal.not_awarded", "proposal.rejected"}
SETTLED = {"sent", "skipped", "failed"}


def test_no_phone_gets_the_same_text_twice_in_a_season(stack: Stack) -> None:
    api = Api(stack)
    ids, reviewers = run_season(stack, api)

    def all_settled() -> list[dict[str, Any]] | None:
        every = [d for pid in ids for d in api.deliveries(pid)]
        finals = {d["proposal_id"] for d in every if d["event_type"] in FINAL_EVENTS}
        settled = all(d["status"] in SETTLED for d in every)
        return every if finals == set(ids) and settled else None

    deliveries = eventually(all_settled, "every delivery of the season settled", timeout_s=180)
    # What failed is WhatsApp to a number not on it, each sent once as SMS instead.
    failed = [d for d in deliveries if d["status"] == "failed"]
    assert failed, "the numbers not on WhatsApp were tried there first"
    fallbacks = Counter(d["fallback_of"] for d in deliveries if d.get("fallback_of"))
    for d in failed:
        assert d["channel"] == "whatsapp" and d["recipient"].startswith("+62899"), d
        assert fallbacks[d["id"]] == 1, f"{d['id']} fell back to SMS once, not {fallbacks[d['id']]}"

    whatsapp = read_messages(stack.config.whatsapp_dir)
    sms = read_sms(stack.config.sms_dir)
    assert all(m.text for m in whatsapp), "the stand-in fills in every template"
    received: dict[str, list[str]] = {}
    for m in whatsapp:
        received.setdefault(m.to, []).append(m.text)
    for s in sms:
        received.setdefault(s.to, []).append(s.text)

    # Every instant message links the privacy notice (docs/PRIVACY.md, "Consent"): the
    # last parameter of the WhatsApp template, the end of the SMS (without the scheme).
    notice = f"{stack.config.base_url('notification')}/privasi"
    assert all(m.parameters[-1] == notice for m in whatsapp)
    short = notice.removeprefix("http://")
    assert all(re.search(rf" (Privasi|Privacy): {re.escape(short)}$", s.text) for s in sms), [
        s.text for s in sms
    ]
    assert all(gsm7.split(s.text).count == 1 for s in sms), "the link fits in the one part"
    # No innovator went without their consent's instant messages.
    assert not [d for d in deliveries if "no lawful basis" in (d.get("note") or "")]

    # No number got the same text twice ...
    repeats = {
        number: [text for text, n in Counter(texts).items() if n > 1]
        for number, texts in received.items()
    }
    assert not any(repeats.values()), f"the same text twice: {repeats}"
    # ... although the season made repeats: Siti's two "Air Bersih Keliling" proposals.
    skipped = [d for d in deliveries if d["status"] == "skipped"]
    assert any(d["recipient"] == SITI for d in skipped), "the repeat is recorded as skipped"
    assert all(d["channel"] in {"whatsapp", "sms"} for d in skipped)

    # Reviewers: assignments on the instant channel, receipts never.
    for number in reviewers:
        on_whatsapp = [m for m in whatsapp if m.to == number]
        as_sms = [s for s in sms if s.to == number]
        if number.startswith("+62899"):
            assert not on_whatsapp and as_sms, f"{number} is not on WhatsApp: SMS only"
            assert all(s.text.startswith("Inagara: Anda ditugaskan menilai") for s in as_sms)
        else:
            assert on_whatsapp and not as_sms
            assert {m.template for m in on_whatsapp} == {"inagara_review_assigned"}, number
        mine = [d for d in deliveries if d["recipient"] == number]
        assert not [
            d for d in mine if d["event_type"] == "review.submitted" and d["channel"] != "email"
        ], "a receipt went to a reviewer's phone"
        assigned = [
            d for d in mine if d["event_type"] == "review.assigned" and d["channel"] != "email"
        ]
        assert assigned and all(
            d["status"] in {"sent", "skipped"} or fallbacks[d["id"]] == 1 for d in assigned
        ), [(d["channel"], d["status"], d["note"]) for d in assigned]

    # Innovators: every status change on their instant channel; Budi's only as SMS,
    # once each (the WhatsApp refusal falls back once); Rina on SMS by her choice.
    assert BUDI not in {m.to for m in whatsapp}
    assert RINA not in {m.to for m in whatsapp}
    for number in (BUDI, RINA):
        texts = received[number]
        assert any("diterima" in t or "terima" in t for t in texts), texts
    siti = [m for m in whatsapp if m.to == SITI]
    assert {"inagara_proposal_submitted", "inagara_proposal_scored"} <= {m.template for m in siti}
    per_person = {number: len(texts) for number, texts in sorted(received.items())}
    print(f"\ninstant messages per number this season: {per_person}")
    assert not stack.failed()
