"""Pure rules of webhooks: which addresses are refused, how deliveries are signed, what
a portal is told (no reviewer), which endpoint hears what."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from services.notification.domain.webhooks import Endpoint, cloud_event, redact
from shared.platform import egress, webhooks

NOW = datetime(2026, 3, 2, 3, 4, 5, tzinfo=UTC)


def resolver(*addresses: str) -> egress.Resolver:
    return lambda host, port: list(addresses)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:10.0.0.1",
        "224.0.0.1",
    ],
)
def test_internal_addresses_are_refused(address: str) -> None:
    with pytest.raises(egress.Refused, match="internal address"):
        egress.checked_addresses("https://portal.example.go.id/h", (), resolver(address))


def test_one_internal_address_among_public_ones_is_enough_to_refuse() -> None:
    with pytest.raises(egress.Refused):
        egress.checked_addresses("https://x.example/h", (), resolver("93.184.215.14", "10.1.1.1"))


def test_an_allowed_network_lets_its_addresses_through() -> None:
    allowed = egress.networks("127.0.0.0/8, ::1/128")
    assert egress.checked_addresses("http://localhost:9/h", allowed, resolver("127.0.0.1")) == [
        "127.0.0.1"
    ]
    with pytest.raises(egress.Refused):
        egress.checked_addresses("http://x/h", allowed, resolver("10.0.0.1"))


@pytest.mark.parametrize(
    "url", ["ftp://x.example/", "file:///etc/passwd", "https://u:p@x.example/", "//x.example/"]
)
def test_only_plain_http_urls_are_accepted(url: str) -> None:
    with pytest.raises(egress.Refused):
        egress.checked_addresses(url, (), resolver("93.184.215.14"))


def test_a_name_that_does_not_resolve_is_refused() -> None:
    def nowhere(host: str, port: int) -> list[str]:
        raise OSError("no such name")

    with pytest.raises(egress.Refused, match="does not resolve"):
        egress.checked_addresses("https://nowhere.invalid/", (), nowhere)


def test_signatures_verify_with_the_reference_library_with_either_secret() -> None:
    old = webhooks.endpoint_secret("key", "ep-1", 1)
    new = webhooks.endpoint_secret("key", "ep-1", 2)
    assert old != new and old.startswith("whsec_")
    body = b'{"type":"proposal.awarded"}'
    timestamp = int(datetime.now(UTC).timestamp())
    headers = webhooks.headers([new, old], "msg-1", timestamp, body)
    assert Webhook(old).verify(body, headers) == {"type": "proposal.awarded"}
    assert Webhook(new).verify(body, headers) == {"type": "proposal.awarded"}
    with pytest.raises(Exception):  # noqa: B017 - the library's own error type
        Webhook(webhooks.endpoint_secret("key", "ep-2", 1)).verify(body, headers)


def test_the_body_is_a_structured_cloud_event_without_reviewers_or_deciders() -> None:
    data = {
        "proposal_id": "p-1",
        "decided_by": "sec-1",
        "reviewer": {"name": "Dr. Ratna", "email": "ratna@univ.example.ac.id"},
        "nested": [{"reviewer_id": "rev-1", "score": 80}],
        "award": "Inovasi Terbaik",
    }
    body = json.loads(
        cloud_event(
            event_id="e-1",
            event_type="proposal.awarded",
            source="/inagara/review",
            subject="p-1",
            time=NOW,
            dataschema="urn:inagara:event:proposal.awarded:v1",
            data=data,
        )
    )
    assert body["specversion"] == "1.0" and body["id"] == "e-1"
    assert body["data"] == {
        "proposal_id": "p-1",
        "nested": [{"score": 80}],
        "award": "Inovasi Terbaik",
    }
    assert redact(data)["proposal_id"] == "p-1"


def test_an_endpoint_hears_what_it_subscribed_to_while_active_and_enabled() -> None:
    endpoint = Endpoint("ep", "ag", 1, "https://x", ("proposal.awarded",), "active", 1)
    assert endpoint.wants("proposal.awarded") and not endpoint.wants("proposal.scored")
    everything = Endpoint("ep", "ag", 1, "https://x", (), "active", 1)
    assert everything.wants("proposal.scored")
    assert not Endpoint("ep", "ag", 1, "https://x", (), "paused", 1).wants("proposal.scored")
    disabled = Endpoint("ep", "ag", 1, "https://x", (), "active", 1, disabled_at=NOW)
    assert not disabled.wants("proposal.scored")


def test_the_previous_secret_signs_only_during_the_grace_period() -> None:
    rotated = Endpoint("ep", "ag", 2, "https://x", (), "active", 2, NOW + timedelta(hours=1))
    assert rotated.generations(NOW) == (2, 1)
    assert rotated.generations(NOW + timedelta(hours=2)) == (2,)
