"""Webhooks through the notification service's delivery machinery, to the local portal
stand-in (deploy/local/portal.py) over real HTTP, on a real database: a season of two
agencies' events arrives signed (verified with the reference ``standardwebhooks``
library), each agency's portal sees only its own proposals and no reviewer; a portal
answering 500 for a while gets everything once it recovers; one that keeps failing for
the retry period is disabled and its agency's contact gets an email."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from standardwebhooks import Webhook

from deploy.local.portal import PortalServer
from services.notification import store
from services.notification.adapters.clock import FakeClock
from services.notification.adapters.webhook import WebhookSender
from services.notification.app import create_app
from services.notification.config import NotificationSettings
from services.notification.consumers import handlers_for
from services.notification.domain import EMAIL, FAILED, SENT
from services.notification.domain.messages import WEBHOOK
from services.notification.store.deliveries import PARKED_NOTE
from services.notification.store.tables import deliveries
from services.notification.usecases.dispatch import Dispatcher, Policy, WebhookTransport
from services.notification.usecases.recording import Recorder
from services.notification.usecases.work import work_factory
from services.submission.domain import mint_api_key
from shared.events import catalog
from shared.events.catalog import WEBHOOK_ENDPOINT_CHANGED, spec_for
from shared.events.envelope import Event
from shared.events.inbox import dispatcher as inbox_dispatcher
from shared.platform import egress
from shared.platform.db import create_schema, make_engine
from shared.platform.webhooks import endpoint_secret
from tests.unit.notification import factories

KEY = "webhook-key-for-tests"
SECRET_1 = endpoint_secret(KEY, "ep-dinkes", 1)
LOOPBACK = egress.networks("127.0.0.0/8,::1/128")
START = datetime.now(UTC)
SEASON = (
    catalog.PROPOSAL_SUBMITTED,
    catalog.REVIEW_ASSIGNED,  # about a reviewer: never sent to a portal
    catalog.REVIEW_SUBMITTED,
    catalog.PROPOSAL_SCORED,
    catalog.PROPOSAL_SHORTLISTED,
    catalog.PROPOSAL_AWARDED,
)
PORTAL_EVENTS = [t for t in SEASON if t.startswith("proposal.")]


def endpoint_changed(
    endpoint_id: str,
    agency_id: str,
    url: str,
    *,
    revision: int = 1,
    generation: int = 1,
    previous_valid_until: datetime | None = None,
    state: str = "active",
) -> Event:
    spec = spec_for(WEBHOOK_ENDPOINT_CHANGED)
    data = {
        "endpoint_id": endpoint_id,
        "agency_id": agency_id,
        "revision": revision,
        "url": url,
        "event_types": [],
        "state": state,
        "generation": generation,
        "previous_valid_until": previous_valid_until.isoformat() if previous_valid_until else None,
        "contact_email": f"webmaster@{agency_id}.example.go.id",
        "changed_at": START.isoformat(),
    }
    return Event(
        type=spec.type,
        source="/inagara/submission",
        subject=endpoint_id,
        data=data,
        dataschema=spec.dataschema,
    )


def season(agency_id: str) -> tuple[str, list[Event]]:
    """One proposal's season of events, for the agency ``agency_id``."""
    proposal_id = f"p-{agency_id}-{random.randrange(10**9)}"
    events = []
    for event_type in SEASON:
        data = factories.payload_for(event_type, proposal_id)
        if event_type == catalog.PROPOSAL_SUBMITTED:
            data["agency"] = {**data["agency"], "id": agency_id, "code": agency_id.upper()}
        events.append(factories.event(event_type, data))
    return proposal_id, events


class World:
    def __init__(self, engine: Engine, portal: PortalServer, clock: FakeClock) -> None:
        self.engine, self.portal, self.clock = engine, portal, clock
        self.deliver = inbox_dispatcher(engine, store.inbox, handlers_for(Recorder(clock=clock)))

    def endpoint_of(self, endpoint_id: str) -> Any:
        uow = work_factory(self.engine)()
        with uow:
            return uow.webhooks.find(endpoint_id)

    def sender(self, period: timedelta = timedelta(days=3), lookup: Any = None) -> Dispatcher:
        return Dispatcher(
            self.engine,
            WebhookTransport(WebhookSender(lookup or self.endpoint_of, KEY, LOOPBACK, timeout_s=2)),
            Policy(
                max_attempts=1_000_000,
                retry_base_s=1.0,
                retry_cap_s=60.0,
                retry_period=period,
            ),
            clock=self.clock,
            rng=random.Random(3),
        )

    def run(self, sender: Dispatcher, rounds: int = 20) -> None:
        """Send what is due, moving the clock past every backoff, until nothing is left."""
        for _ in range(rounds):
            sender.send_due()
            self.clock.advance(timedelta(minutes=2))
            if not self.rows(WEBHOOK, "pending"):
                return

    def deliver_in_turn(self, *events: Event) -> None:
        """One event after another, a second apart (their order is the order recorded)."""
        for event in events:
            self.clock.advance(timedelta(seconds=1))
            self.deliver(event)

    def outbox(self, event_type: str) -> list[dict[str, Any]]:
        """The payloads of the events of ``event_type`` this service raised."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(store.outbox.c.value).where(store.outbox.c.event_type == event_type)
            )
            return [json.loads(value) for (value,) in rows]

    def rows(self, channel: str, status: str | None = None) -> list[Any]:
        query = select(deliveries).where(deliveries.c.channel == channel)
        if status:
            query = query.where(deliveries.c.status == status)
        with self.engine.connect() as conn:
            return list(conn.execute(query).mappings())


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    engine = make_engine(database_url)
    create_schema(engine, store.metadata)
    with PortalServer() as portal:
        yield World(engine, portal, FakeClock(START))
    engine.dispose()


def verified(world: World, name: str, secret: str) -> list[dict[str, Any]]:
    """What the portal ``name`` kept, each verified with the reference library."""
    bodies = []
    for received in world.portal.portal.received(name):
        payload = Webhook(secret).verify(received.body, received.headers)
        assert received.headers["content-type"] == "application/cloudevents+json"
        bodies.append(payload)
    return bodies


def test_two_agencies_each_get_their_own_season_signed_and_without_reviewers(
    world: World,
) -> None:
    portal = world.portal
    world.deliver(endpoint_changed("ep-dinkes", "ag-dinkes", portal.hook_url("dinkes")))
    world.deliver(endpoint_changed("ep-disdik", "ag-disdik", portal.hook_url("disdik")))
    dinkes_proposal, dinkes_events = season("ag-dinkes")
    disdik_proposal, disdik_events = season("ag-disdik")
    for event in [*dinkes_events, *disdik_events]:
        world.deliver(event)
        world.deliver(event)  # redelivered by the broker: nothing more is recorded
    portal.portal.plan("disdik", [500, 500, 503, 500])  # down for a while

    world.run(world.sender())

    for name, proposal_id, events in (
        ("dinkes", dinkes_proposal, dinkes_events),
        ("disdik", disdik_proposal, disdik_events),
    ):
        got = verified(world, name, endpoint_secret(KEY, f"ep-{name}", 1))
        # Each once (retried ones arrive after the others: a portal orders by time).
        assert sorted(e["type"] for e in got) == sorted(PORTAL_EVENTS)
        assert {e["subject"] for e in got} == {proposal_id}
        assert sorted(e["id"] for e in got) == sorted(
            e.id for e in events if e.type in PORTAL_EVENTS
        )
        assert all(e["specversion"] == "1.0" for e in got)
        text = json.dumps(got).lower()
        assert "ratna" not in text and "rev-1" not in text and "sec-1" not in text
        assert not keys(got) & {"reviewer", "reviewer_id", "decided_by", "requested_by"}
    assert portal.portal.requests["disdik"] == len(PORTAL_EVENTS) + 4
    sent = world.rows(WEBHOOK, SENT)
    assert len(sent) == 2 * len(PORTAL_EVENTS)
    assert all(r["provider_id"].startswith("HTTP 200") for r in sent)
    with world.engine.connect() as conn:
        retried = DeliveryLog(conn).of_status("retry")
    assert len(retried) == 4 and all("HTTP 5" in r for r in retried)


def keys(data: Any) -> set[str]:
    """Every key at any depth of ``data``."""
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in keys(v)}
    if isinstance(data, list):
        return {k for v in data for k in keys(v)}
    return set()


class DeliveryLog:
    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def of_status(self, outcome: str) -> list[str]:
        attempts = store.tables.attempts
        return [
            row.error
            for row in self._conn.execute(
                select(attempts.c.error).where(attempts.c.outcome == outcome)
            )
        ]


def test_an_endpoint_failing_for_the_retry_period_is_disabled_and_its_agency_emailed(
    world: World,
) -> None:
    portal = world.portal
    world.deliver(endpoint_changed("ep-dinkes", "ag-dinkes", portal.hook_url("dinkes")))
    _, events = season("ag-dinkes")
    portal.portal.plan("dinkes", [500] * 1000)
    for event in events[:1]:
        world.deliver(event)

    world.run(world.sender(period=timedelta(minutes=15)))

    [failed] = world.rows(WEBHOOK, FAILED)
    assert "HTTP 500" in failed["last_error"]
    assert world.endpoint_of("ep-dinkes").disabled_at is not None
    [email] = [r for r in world.rows(EMAIL) if r["template"] == "webhook_disabled"]
    assert email["recipient"] == "webmaster@ag-dinkes.example.go.id"
    assert portal.hook_url("dinkes") in email["subject"]
    tried = portal.portal.requests["dinkes"]

    # Disabled: the submission service is told (the API shows it), in the same transaction.
    [told] = world.outbox(catalog.WEBHOOK_ENDPOINT_DISABLED)
    assert told["endpoint_id"] == "ep-dinkes" and told["revision"] == 1
    assert "HTTP 500" in told["reason"]
    # The next events are kept (parked), and nothing more is tried.
    world.deliver_in_turn(events[3], events[4])
    world.run(world.sender())
    assert portal.portal.requests["dinkes"] == tried
    assert [r["status"] for r in world.rows(WEBHOOK)].count("pending") == 2
    # The agency fixes its portal and enables the endpoint again (a newer revision):
    # everything since the failure arrives, in the order it happened, then what follows.
    portal.portal.plan("dinkes", [])
    world.deliver(endpoint_changed("ep-dinkes", "ag-dinkes", portal.hook_url("dinkes"), revision=2))
    world.deliver(events[5])
    world.run(world.sender())
    got = verified(world, "dinkes", endpoint_secret(KEY, "ep-dinkes", 1))
    assert [e["type"] for e in got] == [events[i].type for i in (0, 3, 4, 5)]
    assert {r["status"] for r in world.rows(WEBHOOK)} == {SENT}


def test_deliveries_failing_for_the_retry_period_together_are_all_kept_for_later(
    world: World,
) -> None:
    """Two deliveries spend their retry period at once (two senders, each of which read
    the endpoint as active before either failed): the first disables the endpoint, the
    second finds it disabled already. Both are kept, and both arrive once the endpoint is
    enabled again: none is left failed for good."""
    portal = world.portal
    world.deliver(endpoint_changed("ep-dinkes", "ag-dinkes", portal.hook_url("dinkes")))
    _, events = season("ag-dinkes")
    portal.portal.plan("dinkes", [500] * 1000)
    world.deliver(events[0])
    world.deliver(events[3])  # recorded at the same moment as the first
    active = world.endpoint_of("ep-dinkes")

    world.run(world.sender(period=timedelta(minutes=15), lookup=lambda _id: active))

    assert world.endpoint_of("ep-dinkes").disabled_at is not None
    failed = world.rows(WEBHOOK, FAILED)
    assert len(failed) == 2 and {r["note"] for r in failed} == {PARKED_NOTE}
    assert len([r for r in world.rows(EMAIL) if r["template"] == "webhook_disabled"]) == 1
    portal.portal.plan("dinkes", [])
    world.deliver(endpoint_changed("ep-dinkes", "ag-dinkes", portal.hook_url("dinkes"), revision=2))
    world.run(world.sender())
    got = verified(world, "dinkes", endpoint_secret(KEY, "ep-dinkes", 1))
    assert sorted(e["id"] for e in got) == sorted([events[0].id, events[3].id])
    assert {r["status"] for r in world.rows(WEBHOOK)} == {SENT}


def test_a_paused_endpoint_gets_its_events_in_order_once_resumed(world: World) -> None:
    portal = world.portal
    world.deliver(endpoint_changed("ep-dinkes", "ag-dinkes", portal.hook_url("dinkes")))
    _, events = season("ag-dinkes")
    world.deliver(events[0])
    world.run(world.sender())
    paused = endpoint_changed(
        "ep-dinkes", "ag-dinkes", portal.hook_url("dinkes"), revision=2, state="paused"
    )
    world.deliver(paused)
    world.deliver_in_turn(*events[1:5])
    world.run(world.sender())
    assert [e["type"] for e in verified(world, "dinkes", SECRET_1)] == [events[0].type]

    world.deliver(endpoint_changed("ep-dinkes", "ag-dinkes", portal.hook_url("dinkes"), revision=3))
    world.deliver(events[5])
    world.run(world.sender())
    got = verified(world, "dinkes", SECRET_1)
    assert [e["type"] for e in got] == [events[i].type for i in (0, 3, 4, 5)]
    # Deleted: what would be parked for it is dropped, never sent.
    world.deliver(
        endpoint_changed(
            "ep-dinkes", "ag-dinkes", portal.hook_url("dinkes"), revision=4, state="paused"
        )
    )
    _, more = season("ag-dinkes")
    world.deliver(more[0])
    assert "pending" in {r["status"] for r in world.rows(WEBHOOK)}
    world.deliver(
        endpoint_changed(
            "ep-dinkes", "ag-dinkes", portal.hook_url("dinkes"), revision=5, state="deleted"
        )
    )
    assert "pending" not in {r["status"] for r in world.rows(WEBHOOK)}


def test_during_a_rotation_both_secrets_verify(world: World) -> None:
    portal = world.portal
    world.deliver(
        endpoint_changed(
            "ep-dinkes",
            "ag-dinkes",
            portal.hook_url("dinkes"),
            generation=2,
            previous_valid_until=datetime.now(UTC) + timedelta(hours=1),
        )
    )
    _, events = season("ag-dinkes")
    world.deliver(events[0])
    world.run(world.sender())
    old = verified(world, "dinkes", endpoint_secret(KEY, "ep-dinkes", 1))
    new = verified(world, "dinkes", endpoint_secret(KEY, "ep-dinkes", 2))
    assert [e["id"] for e in old] == [e["id"] for e in new] == [events[0].id]


def test_an_endpoint_resolving_inside_the_machine_is_refused_at_delivery(world: World) -> None:
    portal = world.portal
    world.deliver(endpoint_changed("ep-dinkes", "ag-dinkes", portal.hook_url("dinkes")))
    _, events = season("ag-dinkes")
    world.deliver(events[0])
    strict = Dispatcher(
        world.engine,
        WebhookTransport(WebhookSender(world.endpoint_of, KEY, allowed=(), timeout_s=2)),
        Policy(),
        clock=world.clock,
    )
    strict.send_due()
    [failed] = world.rows(WEBHOOK, FAILED)
    assert "refused" in failed["last_error"] and "127.0.0.1" in failed["last_error"]
    assert portal.portal.requests == {}


def test_a_portal_reads_its_endpoints_attempts_and_resends_a_failed_delivery(
    world: World, database_url: str
) -> None:
    portal = world.portal
    world.deliver(endpoint_changed("ep-dinkes", "ag-dinkes", portal.hook_url("dinkes")))
    world.deliver(endpoint_changed("ep-disdik", "ag-disdik", portal.hook_url("disdik")))
    _, events = season("ag-dinkes")
    world.deliver(events[0])
    portal.portal.plan("dinkes", [500] * 1000)
    world.run(world.sender(period=timedelta(minutes=5)))
    app = create_app(
        NotificationSettings(
            service="notification",
            database_url=database_url,
            admin_token="admin-for-tests",
            webhook_secret_key=KEY,
        )
    )
    client = app.test_client()
    mine = {"Authorization": f"Bearer {endpoint_secret(KEY, 'ep-dinkes', 1)}"}
    theirs = {"Authorization": f"Bearer {endpoint_secret(KEY, 'ep-disdik', 1)}"}
    try:
        base = "/v1/webhooks/ep-dinkes/deliveries"
        assert client.get(base, headers=theirs).status_code == 401
        assert client.get(base).status_code == 401
        [delivery] = client.get(base, headers=mine).get_json()["items"]
        assert delivery["status"] == FAILED
        detail = client.get(f"{base}/{delivery['id']}", headers=mine).get_json()
        assert detail["attempt_log"] and "HTTP 500 in " in detail["attempt_log"][0]["error"]
        wrong = client.get(f"/v1/webhooks/ep-disdik/deliveries/{delivery['id']}", headers=theirs)
        assert wrong.status_code == 404

        # Sent again while the endpoint is still disabled: accepted, but not sent (the
        # endpoint is disabled), and kept for when it is enabled.
        resent = client.post(f"{base}/{delivery['id']}/resend", headers=mine)
        assert resent.status_code == 202, resent.get_json()
        assert client.post(f"{base}/{delivery['id']}/resend", headers=mine).status_code == 409
        tried = portal.portal.requests["dinkes"]
        world.run(world.sender())
        assert portal.portal.requests["dinkes"] == tried
        # The portal is fixed and the endpoint enabled again: the delivery goes out by
        # itself, once, with its webhook-id.
        portal.portal.plan("dinkes", [])
        world.deliver(
            endpoint_changed("ep-dinkes", "ag-dinkes", portal.hook_url("dinkes"), revision=2)
        )
        world.run(world.sender())
        got = verified(world, "dinkes", endpoint_secret(KEY, "ep-dinkes", 1))
        assert [e["id"] for e in got] == [events[0].id]
        assert portal.portal.received("dinkes")[0].headers["webhook-id"] == delivery["id"]
        assert client.post(f"{base}/{delivery['id']}/resend", headers=mine).status_code == 409
    finally:
        app.extensions["inagara"].engine.dispose()


def key_changed(
    agency_id: str, role: str = "agency_admin", revoked: bool = False
) -> tuple[str, Event]:
    """A key of the agency as the submission service announces it; (the key, the event)."""
    key = mint_api_key()
    spec = spec_for(catalog.AGENCY_API_KEY_CHANGED)
    data = {
        "key_id": f"key-{key.prefix}",
        "agency_id": agency_id,
        "prefix": key.prefix,
        "secret_hash": key.hash,
        "role": role,
        "revoked_at": START.isoformat() if revoked else None,
        "changed_at": START.isoformat(),
    }
    event = Event(
        type=spec.type,
        source="/inagara/submission",
        subject=data["key_id"],
        data=data,
        dataschema=spec.dataschema,
    )
    return key.secret, event


def test_a_portal_reads_its_delivery_log_with_its_agencys_api_key(
    world: World, database_url: str
) -> None:
    portal = world.portal
    world.deliver(endpoint_changed("ep-dinkes", "ag-dinkes", portal.hook_url("dinkes")))
    world.deliver(endpoint_changed("ep-disdik", "ag-disdik", portal.hook_url("disdik")))
    _, events = season("ag-dinkes")
    world.deliver(events[0])
    world.run(world.sender())
    admin_key, issued = key_changed("ag-dinkes")
    drafter_key, drafter = key_changed("ag-dinkes", role="drafter")
    theirs_key, theirs = key_changed("ag-disdik")
    for event in (issued, drafter, theirs):
        world.deliver(event)
    app = create_app(
        NotificationSettings(
            service="notification",
            database_url=database_url,
            admin_token="admin-for-tests",
            webhook_secret_key=KEY,
        )
    )
    client = app.test_client()
    base = "/v1/webhooks/ep-dinkes/deliveries"

    def status(secret: str, path: str = base) -> int:
        return int(client.get(path, headers={"Authorization": f"Bearer {secret}"}).status_code)

    try:
        [delivery] = client.get(base, headers={"Authorization": f"Bearer {admin_key}"}).get_json()[
            "items"
        ]
        assert delivery["status"] == SENT and delivery["event_id"] == events[0].id
        assert status(admin_key, f"{base}/{delivery['id']}") == 200
        assert status(drafter_key) == 401  # managing webhooks is the agency admin's
        assert status(theirs_key) == 401  # another agency's key
        assert status(admin_key[:-1] + ("x" if admin_key[-1] != "x" else "y")) == 401
        assert status(SECRET_1) == 200  # the signing secret, as before
        # Revoked (the submission service tells): refused from then on; a late copy of
        # the issue event does not bring it back.
        revoked = {**issued.data, "revoked_at": START.isoformat()}
        world.deliver(
            Event(
                type=issued.type,
                source=issued.source,
                subject=issued.subject,
                data=revoked,
                dataschema=issued.dataschema,
            )
        )
        assert status(admin_key) == 401
        world.deliver(
            Event(
                type=issued.type,
                source=issued.source,
                subject=issued.subject,
                data=issued.data,
                dataschema=issued.dataschema,
            )
        )
        assert status(admin_key) == 401
    finally:
        app.extensions["inagara"].engine.dispose()
