"""Agencies and their API keys: registration, contact details, keys' lifecycle,
and who presents a key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.submission import domain
from services.submission.store.registry import Caller, aware, iso
from services.submission.usecases.work import SubmissionWork
from shared.events.catalog import (
    AGENCY_API_KEY_CHANGED,
    AGENCY_REGISTERED,
    AGENCY_UPDATED,
    PROPOSALS,
    spec_for,
)
from shared.events.envelope import Event

SOURCE = "/inagara/submission"
# What the review service's copy of the register holds: a change elsewhere is not announced.
ANNOUNCED = ("name", "type", "parent_id")


class AgencyNotFound(LookupError):
    """No agency with this id."""


class UnknownParent(LookupError):
    """The parent agency named does not exist."""


def agency_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "code": row.code,
        "name": row.name,
        "type": row.type,
        "parent_id": row.parent_id,
        "contact_email": row.contact_email,
        "contact_phone": row.contact_phone,
        "allow_drafter_submit": bool(row.allow_drafter_submit),
        "created_at": iso(row.created_at),
    }


def key_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "prefix": row.prefix,
        "role": row.role,
        "label": row.label,
        "created_at": iso(row.created_at),
        "last_used_at": iso(row.last_used_at),
        "revoked_at": iso(row.revoked_at),
    }


def key_changed(row: Any) -> Event:
    """``agency.api_key_changed``: the key as it is now (its hash, never the key), for the
    notification service, where a portal reads its webhook deliveries with its key."""
    spec = spec_for(AGENCY_API_KEY_CHANGED)
    data = spec.validator.dump(
        {
            "key_id": row.id,
            "agency_id": row.agency_id,
            "prefix": row.prefix,
            "secret_hash": row.secret_hash,
            "role": row.role,
            "revoked_at": aware(row.revoked_at) if row.revoked_at else None,
            "changed_at": datetime.now(UTC),
        }
    )
    return Event.first(spec.type, SOURCE, row.id, data, spec.dataschema)


def _agency(uow: SubmissionWork, agency_id: str) -> Any:
    row = uow.registry.agency(agency_id)
    if row is None:
        raise AgencyNotFound(agency_id)
    return row


def authenticate_key(secret: str, uow: SubmissionWork) -> Caller | None:
    """The caller of a presented API key, or None (unknown, wrong or revoked)."""
    with uow:
        return uow.registry.authenticate(secret)


def _parent_exists(uow: SubmissionWork, parent_id: str | None) -> None:
    if parent_id is not None and uow.registry.agency(parent_id) is None:
        raise UnknownParent(parent_id)


def announcement(row: Any, parent_code: str | None, type: str, when: datetime) -> Event:
    """``agency.registered`` or ``agency.updated``: the agency as it is now."""
    spec = spec_for(type)
    data = spec.validator.dump(
        {
            "agency_id": row.id,
            "code": row.code,
            "name": row.name,
            "kind": row.type,
            "parent_code": parent_code,
            "changed_at": when,
        }
    )
    return Event.first(spec.type, SOURCE, row.id, data, spec.dataschema)


def _announce(uow: SubmissionWork, agency_id: str, type: str) -> Any:
    """Raise the agency's event in this transaction (the review service's copy); its row."""
    row = _agency(uow, agency_id)
    parent = uow.registry.agency(row.parent_id) if row.parent_id else None
    when = datetime.now(UTC) if type == AGENCY_UPDATED else aware(row.created_at)
    uow.emit(PROPOSALS, announcement(row, parent.code if parent else None, type, when))
    return row


def register_agency(fields: dict[str, Any], uow: SubmissionWork) -> dict[str, Any]:
    """Register an agency; ``agency.registered``. Raises ``UnknownParent``; a taken code is
    an ``IntegrityError``."""
    with uow:
        _parent_exists(uow, fields.get("parent_id"))
        agency = uow.registry.create_agency(**fields)
        return agency_view(_announce(uow, agency.id, AGENCY_REGISTERED))


def list_agencies(uow: SubmissionWork) -> list[dict[str, Any]]:
    with uow:
        return [agency_view(row) for row in uow.registry.agencies()]


def get_agency(agency_id: str, uow: SubmissionWork) -> dict[str, Any] | None:
    with uow:
        row = uow.registry.agency(agency_id)
    return agency_view(row) if row is not None else None


def update_agency(agency_id: str, changes: dict[str, Any], uow: SubmissionWork) -> dict[str, Any]:
    """Change an agency; ``agency.updated`` when its name, kind or parent changed.
    Raises ``AgencyNotFound`` or ``UnknownParent``."""
    with uow:
        _parent_exists(uow, changes.get("parent_id"))
        before = _agency(uow, agency_id)
        uow.registry.update_agency(agency_id, changes)
        if any(k in changes and changes[k] != getattr(before, k) for k in ANNOUNCED):
            return agency_view(_announce(uow, agency_id, AGENCY_UPDATED))
        return agency_view(_agency(uow, agency_id))


def announce_agencies(uow: SubmissionWork) -> int:
    """``agency.updated`` for every agency, as it is now; how many."""
    with uow:
        rows = uow.registry.agencies()
        for row in rows:
            _announce(uow, row.id, AGENCY_UPDATED)
        return len(rows)


@dataclass(frozen=True)
class IssueKey:
    agency_id: str
    role: str
    label: str | None = None


def issue_key(command: IssueKey, uow: SubmissionWork) -> dict[str, Any]:
    """A new key: its record and, this once, its secret. Raises ``AgencyNotFound``."""
    with uow:
        _agency(uow, command.agency_id)
        key, row = uow.registry.issue_api_key(command.agency_id, command.role, command.label)
        uow.emit(PROPOSALS, key_changed(row))
    return {**key_view(row), "secret": key.secret}


def list_keys(agency_id: str, uow: SubmissionWork) -> list[dict[str, Any]]:
    """The agency's keys, never their secrets. Raises ``AgencyNotFound``."""
    with uow:
        _agency(uow, agency_id)
        return [key_view(row) for row in uow.registry.api_keys(agency_id)]


def revoke_key(agency_id: str, key_id: str, uow: SubmissionWork) -> bool:
    """Revoke the key (twice is fine). False when the agency has no such key."""
    with uow:
        if not uow.registry.revoke_api_key(agency_id, key_id):
            return False
        row = next(r for r in uow.registry.api_keys(agency_id) if r.id == key_id)
        uow.emit(PROPOSALS, key_changed(row))
        return True


@dataclass(frozen=True)
class EnrolAgency:
    """The operator's command line: an agency by its code, registered if new."""

    code: str
    name: str
    type: str
    contact_email: str | None
    contact_phone: str | None
    role: str


def enrol_agency(command: EnrolAgency, uow: SubmissionWork) -> tuple[domain.Agency, str]:
    """The agency (registered if its code is new, ``agency.registered``) and the secret of
    a new key for it."""
    with uow:
        agency = uow.registry.find_agency_by_code(command.code)
        if agency is None:
            agency = uow.registry.create_agency(
                code=command.code,
                name=command.name,
                type=command.type,
                contact_email=command.contact_email,
                contact_phone=command.contact_phone,
            )
            _announce(uow, agency.id, AGENCY_REGISTERED)
        key, row = uow.registry.issue_api_key(agency.id, command.role, None)
        uow.emit(PROPOSALS, key_changed(row))
    return agency, key.secret
