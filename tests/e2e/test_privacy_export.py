"""The export of a person with data in all three services (issue 21 bar), through the
real processes: checked field by field against what was submitted and sent.

The season of ``test_privacy_erasure`` (``proposal.submitted`` v2, two agencies, four
proposals, receipts by email and SMS). Budi is on two proposals of one agency; his
email preference is stored in the notification service. The secretariat asks for his
export (by email, as written in another case); the submission service publishes
``subject.export_requested``, the review and notification workers answer with their
parts, and ``GET /v1/subjects/exports/<id>`` assembles one JSON file and a page:

- submission: his subject (normalised email and E.164 phone) and each proposal naming
  him with the innovator entry exactly as submitted;
- review: the same proposals, with the status and version the review API shows;
- notification: his addresses, the same proposals with his name, email and phone as
  opened from the sealed event, every message the mail catcher and the SMS gateway
  received for him (channel, recipient, email subject or SMS text) and nothing else,
  and the preference stored;
- nothing of his co-innovator Ayu, and his part on ``inagara.notifications`` is sealed.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

import pytest

from deploy.local.stack import Stack
from tests.e2e import test_privacy_erasure
from tests.e2e.test_privacy_erasure import (
    ADMIN,
    AYU,
    BUDI,
    CONSENT,
    SEASON,
    call,
    in_review,
    messages,
    submit_season,
)
from tests.polling import eventually

pytestmark = pytest.mark.e2e
stack = test_privacy_erasure.stack  # the same stack fixture (v2 events, keys, SMS gateway)


def budi_messages(stack: Stack) -> set[tuple[str, str, str]]:
    addresses = {BUDI["email"].lower(), "+62" + BUDI["phone"][1:]}
    found = messages(stack.config.mail_dir, stack.config.sms_dir)
    return {m for m in found if m[1] in addresses}


def test_the_export_of_a_person_gathers_all_three_services_field_by_field(
    stack: Stack,
    kafka_bootstrap: str,
) -> None:
    ids = submit_season(stack)
    budi_ids = [pid for pid, (_, _, people) in zip(ids, SEASON, strict=True) if BUDI in people]
    assert len(budi_ids) == 2
    phone = "+62" + BUDI["phone"][1:]
    email = BUDI["email"].lower()
    # A receipt by email and one by SMS for each of his two proposals.
    received = eventually(
        lambda: found if len(found := budi_messages(stack)) >= 4 else None, "Budi's receipts"
    )
    for pid in ids:
        eventually(partial(in_review, stack, pid), f"{pid} in review")
    stored = call(
        stack,
        "notification",
        "PUT",
        f"/v1/preferences/{email}",
        ADMIN,
        json={"email": True, "sms": True, "language": "en", "time_zone": "Asia/Makassar"},
    )
    assert stored.status_code == 200, stored.text

    def export_when_sent() -> dict[str, Any] | None:
        """A new export, once complete and every message to him is marked sent (the
        status changes after the catcher has it)."""
        asked = call(
            stack,
            "submission",
            "POST",
            "/v1/subjects/exports",
            ADMIN,
            json={"email": BUDI["email"]},
        )
        assert asked.status_code == 200, asked.text
        path = f"/v1/subjects/exports/{asked.json()['export_id']}"
        found = eventually(lambda: complete(stack, path), "the review and notification parts")
        (told,) = found["notification"]
        return found if all(d["status"] == "sent" for d in told["deliveries"]) else None

    export = eventually(export_when_sent, "an export with every message to Budi sent")
    path = f"/v1/subjects/exports/{export['export_id']}"

    # submission
    (subject,) = export["submission"]["subjects"]
    assert (subject["email"], subject["phone"]) == (email, phone)
    mine = export["submission"]["proposals"]
    assert sorted(p["proposal_id"] for p in mine) == sorted(budi_ids)
    titles = {pid: f"{title}" for pid, (_, title, _) in zip(ids, SEASON, strict=True)}
    for entry in mine:
        assert entry["title"].startswith(titles[entry["proposal_id"]])
        assert entry["status"] in ("submitted", "in_review")  # as review has it by now
        stored = dict(entry["innovator"])
        consent = datetime.fromisoformat(stored.pop("instant_consent_at"))
        assert consent == datetime.fromisoformat(CONSENT), "the consent as the portal sent it"
        assert stored == {"name": BUDI["name"], "email": BUDI["email"], "phone": phone}

    # review
    (reviewed,) = export["review"]
    assert reviewed["subject_id"] == subject["id"]
    assert sorted(p["proposal_id"] for p in reviewed["proposals"]) == sorted(budi_ids)
    for entry in reviewed["proposals"]:
        shown = call(stack, "review", "GET", f"/v1/proposals/{entry['proposal_id']}", ADMIN)
        assert shown.status_code == 200
        assert entry["status"] == shown.json()["status"]
        assert entry["version"] == shown.json()["version"]
        assert entry["title"].startswith(titles[entry["proposal_id"]])

    # notification
    (told,) = export["notification"]
    assert told["subject_id"] == subject["id"]
    assert told["addresses"] == sorted([email, phone])
    assert sorted(p["proposal_id"] for p in told["proposals"]) == sorted(budi_ids)
    for entry in told["proposals"]:
        innovator = {k: entry["innovator"].get(k) for k in ("name", "email", "phone")}
        assert innovator == {"name": BUDI["name"], "email": email, "phone": phone}
    sent = told["deliveries"]
    received = budi_messages(stack)
    exported = {
        (d["channel"], d["recipient"], d["subject"] if d["channel"] == "email" else d["body_text"])
        for d in sent
    }
    assert exported == received
    assert len(sent) == len(received)
    assert {d["recipient_name"] for d in sent} == {BUDI["name"]}
    assert {d["proposal_id"] for d in sent} == set(budi_ids)
    (preference,) = told["preferences"]
    assert preference == {
        "address": email,
        "email": True,
        "sms": True,
        "language": "en",
        "digest": False,
        "time_zone": "Asia/Makassar",
        "unsubscribed": False,
        "instant": None,
    }

    text = call(stack, "submission", "GET", path, ADMIN).text.lower()
    assert AYU["email"].lower() not in text and AYU["name"].lower() not in text
    page = call(stack, "submission", "GET", path, ADMIN, headers={"Accept": "text/html"})
    assert page.headers["Content-Type"].startswith("text/html")
    assert BUDI["name"] in page.text and "Pesan yang dikirim kepada Anda" in page.text
    assert AYU["name"] not in page.text
    # His part travelled sealed: nothing of him in the clear on any topic.
    budi_needles = [BUDI["name"], email, BUDI["phone"][1:]]
    assert not [n for n in budi_needles if n in repr(scan_export_answers(kafka_bootstrap))]
    assert not stack.failed()


def complete(stack: Stack, path: str) -> dict[str, Any] | None:
    answer = call(stack, "submission", "GET", path, ADMIN)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found if found["complete"] else None


def scan_export_answers(bootstrap: str) -> list[bytes]:
    from kafka import KafkaConsumer
    from kafka.structs import TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None)
    found = []
    try:
        parts = [
            TopicPartition("inagara.notifications", p)
            for p in consumer.partitions_for_topic("inagara.notifications") or []
        ]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            for batch in consumer.poll(timeout_ms=200).values():
                found.extend(
                    r.value
                    for r in batch
                    if b"subject_exported" in b"".join(v or b"" for _, v in r.headers)
                )
    finally:
        consumer.close()
    assert found, "no export answer on inagara.notifications"
    return found
