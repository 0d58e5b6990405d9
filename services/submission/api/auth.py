"""Who is calling: an agency's API key, or the secretariat's admin token.

Every credential comes as ``Authorization: Bearer <secret>``. Decorators put
the caller in ``g`` and answer 401 (no or bad credentials), 403 (a credential
that may not do this) or 404 (another agency's resource: existence is not leaked).
An agency key's caller is remembered for ``KEY_CACHE_SECONDS`` (see ``RecentKeys``).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, NoReturn, TypeVar, cast

from flask import current_app, g
from flask_smorest import abort
from sqlalchemy import Engine

from services.submission import domain, store
from services.submission.adapters.blobs import BlobStore
from services.submission.config import SubmissionSettings
from services.submission.domain.window import Cycle
from services.submission.store.cycle_records import RecentCycles
from services.submission.store.registry import RecentKeys
from services.submission.store.tables import outbox
from services.submission.usecases.agencies import authenticate_key
from services.submission.usecases.work import SubmissionWork
from shared.platform.group_commit import GroupCommit
from shared.web import bearer_token, is_admin

F = TypeVar("F", bound=Callable[..., Any])

NEED_KEY = "Send a valid agency API key as `Authorization: Bearer <key>`."
NEED_ADMIN = "Send the admin token as `Authorization: Bearer <token>`."
# How long a web process trusts a key it authenticated: a key revoked, or an agency
# changed, through another process takes effect here within this many seconds.
# The same bound for the cycles the create of a proposal checks its window against.
# The API documents this bound (DESCRIPTION in app.py, revoke_key in agencies.py).
KEY_CACHE_SECONDS = 2.0


@dataclass(frozen=True)
class Admin:
    """The secretariat, by the admin token."""


@dataclass(frozen=True)
class KeyReader:
    """A consumer (review, notification) fetching subject keys, by SUBJECT_KEYS_TOKEN."""


@dataclass(frozen=True)
class SubmissionContext:
    """What the views need, built once by ``create_app``."""

    settings: SubmissionSettings
    engine: Engine
    blobs: BlobStore
    configured_cycle: Cycle | None
    keys: RecentKeys = field(default_factory=lambda: RecentKeys(KEY_CACHE_SECONDS))
    group: GroupCommit | None = None
    cycles: RecentCycles = field(default_factory=lambda: RecentCycles(KEY_CACHE_SECONDS))

    def work(self) -> SubmissionWork:
        """A fresh unit of work for one use case."""
        uow = SubmissionWork(self.engine, outbox)
        uow.event_version = self.settings.proposal_event_version
        return uow

    def grouped_work(self) -> SubmissionWork:
        """A unit of work that writes at commit, in one transaction with those of the
        process's other requests finishing at the same moment (group commit)."""
        work = SubmissionWork(self.engine, outbox, group=self.group)
        work.recent_cycles = self.cycles
        work.event_version = self.settings.proposal_event_version
        return work


def work() -> SubmissionWork:
    """A fresh unit of work for the request's use case."""
    return ctx().work()


def grouped_work() -> SubmissionWork:
    """A unit of work for a use case that reads, then only writes (see ``grouped_work``)."""
    return ctx().grouped_work()


def ctx() -> SubmissionContext:
    found: SubmissionContext = current_app.extensions["submission"]
    return found


def resolve() -> Admin | KeyReader | store.Caller | None:
    """The request's caller, worked out once per request (the credentials-first check
    and the view's decorator both ask)."""
    if "resolved" not in g:
        g.resolved = _resolve()
    found: Admin | KeyReader | store.Caller | None = g.resolved
    return found


def _resolve() -> Admin | KeyReader | store.Caller | None:
    secret = bearer_token()
    if not secret:
        return None
    if is_admin(ctx().settings, secret):
        return Admin()
    keys_token = ctx().settings.subject_keys_token
    if keys_token and hmac.compare_digest(keys_token.encode(), secret.encode()):
        return KeyReader()
    context = ctx()
    return context.keys.authenticate(
        lambda presented: authenticate_key(presented, context.work()), secret
    )


def refuse(status: int, message: str, code: str | None = None) -> NoReturn:
    abort(status, message=message, code=code)
    raise AssertionError("abort raises")  # flask-smorest's abort is not typed NoReturn


def caller() -> store.Caller:
    found: store.Caller = g.caller
    return found


def agency_required(view: F) -> F:
    """An agency API key (any role); the admin token is not one."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        found = resolve()
        if not isinstance(found, store.Caller):
            refuse(401, NEED_KEY)
        g.caller = found
        g.principal = f"agency:{found.agency.id}"
        return view(*args, **kwargs)

    return cast(F, wrapper)


def admin_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        found = resolve()
        if found is None or isinstance(found, KeyReader):
            refuse(401, NEED_ADMIN)
        if not isinstance(found, Admin):
            refuse(403, "Only the secretariat (admin token) may do this.")
        g.principal = "admin"
        return view(*args, **kwargs)

    return cast(F, wrapper)


def agency_admin_or_admin(view: F) -> F:
    """For ``/v1/agencies/<agency_id>/...``: the admin token, or an ``agency_admin``
    key of that very agency (a drafter key gets 403, another agency's key 404)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        found = resolve()
        if found is None or isinstance(found, KeyReader):
            refuse(401, NEED_KEY)
        if isinstance(found, Admin):
            g.principal = "admin"
            g.caller = None
        else:
            if found.agency.id != kwargs.get("agency_id"):
                refuse(404, "No agency with this id.", "agency.not_found")
            if not domain.may_manage_agency(found.role):
                refuse(403, "Only an agency_admin key may do this.")
            g.caller = found
            g.principal = f"agency:{found.agency.id}"
        return view(*args, **kwargs)

    return cast(F, wrapper)


def secretariat_or_agency_admin(view: F) -> F:
    """For requests about a person (docs/PRIVACY.md): the admin token, or any agency's
    ``agency_admin`` key (the view then limits it to that agency's own innovators; a
    drafter key gets 403). ``g.caller`` is None for the secretariat."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        found = resolve()
        if found is None or isinstance(found, KeyReader):
            refuse(401, NEED_ADMIN)
        if isinstance(found, Admin):
            g.principal = "admin"
            g.caller = None
        else:
            if not domain.may_manage_agency(found.role):
                refuse(403, "Only the secretariat or an agency_admin key may do this.")
            g.caller = found
            g.principal = f"agency:{found.agency.id}"
        return view(*args, **kwargs)

    return cast(F, wrapper)


def key_reader_required(view: F) -> F:
    """The consumers' SUBJECT_KEYS_TOKEN, and nothing else (not even the admin token)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not isinstance(resolve(), KeyReader):
            refuse(401, "Send SUBJECT_KEYS_TOKEN as `Authorization: Bearer <token>`.")
        g.principal = "key-reader"
        return view(*args, **kwargs)

    return cast(F, wrapper)
