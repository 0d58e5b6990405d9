"""Helpers for the results service's tests: its app on a real database, and the two
publication events built as their producer builds them (validated by the catalog)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from services.results import store
from services.results.app import create_app
from services.results.config import ResultsConfig, ResultsSettings
from services.results.consumers import handlers
from services.review.usecases.events import emit
from shared.events.catalog import CYCLE_RESULTS_PUBLISHED, CYCLE_SHORTLIST_PUBLISHED
from shared.events.envelope import Event
from shared.events.inbox import dispatcher
from shared.events.unit_of_work import FakeUnitOfWork

CONFIG = ResultsConfig(
    notification_public_url="https://notif.example.go.id",
    review_public_url="https://penilaian.example.go.id",
)
CATEGORIES = [
    {"code": "pelayanan_publik", "name": "Pelayanan Publik"},
    {"code": "tata_kelola", "name": "Tata Kelola"},
]


def make_app(database_url: str, clock: Any = None) -> Flask:
    return create_app(ResultsSettings(database_url=database_url), CONFIG, clock=clock)


def deliver(app: Flask, event: Event) -> None:
    """What the worker's consumer does with a record: the handler, once, in the inbox
    transaction."""
    dispatcher(app.extensions["inagara"].engine, store.inbox, handlers())(event)


def entry(title: str, category: str | None, rank: int, **more: Any) -> dict[str, Any]:
    names = {c["code"]: c["name"] for c in CATEGORIES}
    return {
        "proposal_id": more.pop("proposal_id", str(uuid.uuid4())),
        "title": title,
        "agency_code": more.pop("agency_code", "DINKES"),
        "agency_name": more.pop("agency_name", "Dinas Kesehatan"),
        "summary": more.pop("summary", f"Ringkasan {title}"),
        "category": category,
        "category_name": names.get(category or ""),
        "rank": rank,
        **more,
    }


def shortlist_event(
    cycle_id: str,
    entries: list[dict[str, Any]],
    *,
    close_at: datetime,
    published_at: datetime | None = None,
    name: str = "Anugerah Inovasi 2026",
    year: int = 2026,
) -> Event:
    payload = {
        "cycle_id": cycle_id,
        "cycle_name": name,
        "year": year,
        "published_at": published_at or datetime.now(UTC),
        "objections_close_at": close_at,
        "categories": CATEGORIES,
        "entries": entries,
    }
    return emit(FakeUnitOfWork(), CYCLE_SHORTLIST_PUBLISHED, cycle_id, payload)


def results_event(
    cycle_id: str,
    entries: list[dict[str, Any]],
    *,
    scores: bool = False,
    published_at: datetime | None = None,
    name: str = "Anugerah Inovasi 2026",
    year: int = 2026,
    categories: list[dict[str, str]] | None = None,
) -> Event:
    payload = {
        "cycle_id": cycle_id,
        "cycle_name": name,
        "year": year,
        "published_at": published_at or datetime.now(UTC),
        "categories": CATEGORIES if categories is None else categories,
        "scores_published": scores,
        "entries": entries,
    }
    return emit(FakeUnitOfWork(), CYCLE_RESULTS_PUBLISHED, cycle_id, payload)


def days(n: float) -> timedelta:
    return timedelta(days=n)
