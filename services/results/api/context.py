"""What a view needs of the app: a unit of work, the settings, the clock; and the links a
published record carries (the objection form while the window is open)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app

from services.results.config import ResultsConfig
from services.results.usecases.work import ResultsWork, work_factory


def work() -> ResultsWork:
    return work_factory(current_app.extensions["inagara"].engine)()


def results_config() -> ResultsConfig:
    config: ResultsConfig = current_app.extensions["results"]
    return config


def now() -> datetime:
    clock = current_app.extensions.get("results_clock")
    return clock() if clock is not None else datetime.now(UTC)


def with_links(record: dict[str, Any]) -> dict[str, Any]:
    """The record with each shortlisted entry's objection link while objections are open
    (only before the results: once awarded, the window is over)."""
    if record["stage"] != "shortlist" or not record["objections_open"]:
        return record
    config = results_config()
    return {
        **record,
        "by_category": [
            {
                **group,
                "shortlist": [
                    {**e, "objection_url": config.objection_url(e["proposal_id"])}
                    for e in group["shortlist"]
                ],
            }
            for group in record["by_category"]
        ],
    }
