"""An agency's webhook endpoints: register, list, change (pause, resume, URL, event
types), rotate the signing secret, delete.

Every change raises ``webhook.endpoint_changed`` (the endpoint as it is now, with a
growing ``revision``) in the same transaction: the notification service delivers from
its projection of it. The signing secret is shown at registration and at each rotation,
never again; it is derived, not stored (``shared/platform/webhooks.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.submission.store.registry import aware, iso
from services.submission.usecases.work import SubmissionWork
from shared.events.catalog import PROPOSALS, WEBHOOK_ENDPOINT_CHANGED, spec_for
from shared.events.envelope import Event
from shared.events.webhook import ACTIVE, DELETED
from shared.platform import egress, webhooks

# Shown as the state of an active endpoint the notification service stopped sending to.
DISABLED = "disabled"
# Any change of an endpoint by its agency enables it again (the notification service
# does the same when the change reaches it).
ENABLED = {"disabled_at": None, "disabled_reason": None}

SOURCE = "/inagara/submission"


class EndpointNotFound(LookupError):
    """No endpoint with this id for this agency."""


class AgencyNotFound(LookupError):
    """No agency with this id."""


@dataclass(frozen=True)
class WebhookRules:
    """What registering and signing need: the key secrets derive from, the networks an
    endpoint may resolve into although internal, whether plain http is allowed, the
    rotation's grace period, and how names are resolved."""

    secret_key: str
    allowed: Sequence[egress.Network] = ()
    https_only: bool = False
    grace: timedelta = timedelta(days=1)
    resolver: egress.Resolver = egress.resolve

    def check(self, url: str) -> None:
        """Raises ``egress.Refused``."""
        scheme, _, _ = egress.target(url)
        if self.https_only and scheme != "https":
            raise egress.Refused("The URL must be an https:// URL.")
        egress.checked_addresses(url, self.allowed, self.resolver)

    def secret(self, endpoint_id: str, generation: int) -> str:
        return webhooks.endpoint_secret(self.secret_key, endpoint_id, generation)


def view(row: Any) -> dict[str, Any]:
    disabled = row.disabled_at is not None and row.state == ACTIVE
    return {
        "id": row.id,
        "agency_id": row.agency_id,
        "url": row.url,
        "description": row.description,
        "event_types": list(row.event_types),
        "state": DISABLED if disabled else row.state,
        "disabled_at": iso(row.disabled_at) if disabled else None,
        "disabled_reason": row.disabled_reason if disabled else None,
        "secret_generation": row.generation,
        "previous_secret_valid_until": iso(row.previous_valid_until),
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


def _changed(row: Any, contact_email: str | None) -> Event:
    spec = spec_for(WEBHOOK_ENDPOINT_CHANGED)
    data = spec.validator.dump(
        {
            "endpoint_id": row.id,
            "agency_id": row.agency_id,
            "revision": row.revision,
            "url": row.url,
            "event_types": list(row.event_types),
            "state": row.state,
            "generation": row.generation,
            "previous_valid_until": aware(row.previous_valid_until)
            if row.previous_valid_until
            else None,
            "contact_email": contact_email,
            "changed_at": aware(row.updated_at),
        }
    )
    return Event.first(spec.type, SOURCE, row.id, data, spec.dataschema)


def _emit(uow: SubmissionWork, agency_id: str, endpoint_id: str) -> Any:
    """Raise the endpoint's event as it is now (deleted too); its row."""
    agency = uow.registry.agency(agency_id)
    row = uow.webhooks.by_id(endpoint_id)
    uow.emit(PROPOSALS, _changed(row, agency.contact_email if agency else None))
    return row


def register_endpoint(
    agency_id: str,
    fields: dict[str, Any],
    rules: WebhookRules,
    uow: SubmissionWork,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """Register an endpoint; its view with the signing secret (shown this once).
    Raises ``egress.Refused`` (checked before anything is written), ``AgencyNotFound``."""
    rules.check(fields["url"])
    endpoint_id = str(uuid.uuid4())
    moment = now()
    with uow:
        if uow.registry.agency(agency_id) is None:
            raise AgencyNotFound(agency_id)
        uow.webhooks.add(
            {
                "id": endpoint_id,
                "agency_id": agency_id,
                "url": fields["url"],
                "description": fields.get("description", ""),
                "event_types": sorted(set(fields.get("event_types") or [])),
                "state": ACTIVE,
                "generation": 1,
                "previous_valid_until": None,
                "revision": 1,
                "created_at": moment,
                "updated_at": moment,
            }
        )
        row = _emit(uow, agency_id, endpoint_id)
        return {**view(row), "secret": rules.secret(endpoint_id, 1)}


def list_endpoints(agency_id: str, uow: SubmissionWork) -> list[dict[str, Any]]:
    with uow:
        return [view(row) for row in uow.webhooks.of_agency(agency_id)]


def get_endpoint(agency_id: str, endpoint_id: str, uow: SubmissionWork) -> dict[str, Any]:
    with uow:
        row = uow.webhooks.find(agency_id, endpoint_id)
        if row is None:
            raise EndpointNotFound(endpoint_id)
        return view(row)


def change_endpoint(
    agency_id: str,
    endpoint_id: str,
    changes: dict[str, Any],
    rules: WebhookRules,
    uow: SubmissionWork,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """Change the URL, description, event types or state (``active`` / ``paused``).
    Any change, even to the same values, re-enables an endpoint the notification
    service disabled. Raises ``egress.Refused``, ``EndpointNotFound``."""
    if "url" in changes:
        rules.check(changes["url"])
    with uow:
        row = uow.webhooks.find(agency_id, endpoint_id, lock=True)
        if row is None:
            raise EndpointNotFound(endpoint_id)
        values = dict(changes)
        if "event_types" in values:
            values["event_types"] = sorted(set(values["event_types"]))
        uow.webhooks.change(
            endpoint_id, {**values, **ENABLED, "revision": row.revision + 1, "updated_at": now()}
        )
        return view(_emit(uow, agency_id, endpoint_id))


def rotate_secret(
    agency_id: str,
    endpoint_id: str,
    rules: WebhookRules,
    uow: SubmissionWork,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """A new signing secret (shown this once); the old one signs too for the grace period."""
    moment = now()
    with uow:
        row = uow.webhooks.find(agency_id, endpoint_id, lock=True)
        if row is None:
            raise EndpointNotFound(endpoint_id)
        generation = row.generation + 1
        uow.webhooks.change(
            endpoint_id,
            {
                "generation": generation,
                "previous_valid_until": moment + rules.grace,
                **ENABLED,
                "revision": row.revision + 1,
                "updated_at": moment,
            },
        )
        row = _emit(uow, agency_id, endpoint_id)
        return {**view(row), "secret": rules.secret(endpoint_id, generation)}


def delete_endpoint(
    agency_id: str,
    endpoint_id: str,
    uow: SubmissionWork,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> None:
    with uow:
        row = uow.webhooks.find(agency_id, endpoint_id, lock=True)
        if row is None:
            raise EndpointNotFound(endpoint_id)
        uow.webhooks.change(
            endpoint_id, {"state": DELETED, "revision": row.revision + 1, "updated_at": now()}
        )
        _emit(uow, agency_id, endpoint_id)


def record_endpoint_disabled(payload: dict[str, Any], uow: SubmissionWork) -> bool:
    """``webhook.endpoint_disabled``: show the endpoint as disabled, unless the agency
    changed it since (a later revision, which enabled it again) or deleted it. Whether
    it was recorded."""
    with uow:
        row = uow.webhooks.by_id(payload["endpoint_id"])
        if row is None or row.state == DELETED or row.revision != payload["revision"]:
            return False
        uow.webhooks.change(
            row.id,
            {"disabled_at": payload["disabled_at"], "disabled_reason": payload["reason"][:300]},
        )
        return True
