"""The results service's own settings, read once from the environment.

``ResultsSettings`` is the base ``Settings`` (broker, database, logs) under the name
``results``; ``ResultsConfig`` holds what only this service reads: its consumer, and the
public addresses its pages link to. ``docs/CONFIGURATION.md`` and ``docker-compose.yml``
list them with the shared ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from shared.events.catalog import REVIEWS
from shared.platform.settings import Settings, env, read, time_zone, variables


@dataclass(frozen=True)
class ResultsSettings(Settings):
    service: str = "results"


@dataclass(frozen=True)
class ResultsConfig:
    consumer_group: str = env("RESULTS_CONSUMER_GROUP", "inagara.results")
    topics: tuple[str, ...] = env("RESULTS_TOPICS", (REVIEWS,))
    # The notification service serves the privacy notice (/privasi) every page links to:
    # the same public address its emails use.
    notification_public_url: str = env("NOTIFICATION_PUBLIC_URL", "http://127.0.0.1:8003")
    # The review service as the public reaches it: a shortlisted innovation links to its
    # public objection form (<this>/publik/keberatan?proposal=<id>) while the window is open.
    review_public_url: str = env("REVIEW_PUBLIC_URL", "http://127.0.0.1:8002")
    # The programme's time zone: the pages' dates read in it (as the review pages').
    time_zone: str = env("INAGARA_TIME_ZONE", "Asia/Jakarta", time_zone)

    def with_(self, **changes: Any) -> ResultsConfig:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ResultsConfig:
        return read(cls, environ)

    @property
    def privacy_url(self) -> str:
        return f"{self.notification_public_url.rstrip('/')}/privasi"

    def objection_url(self, proposal_id: str) -> str:
        return f"{self.review_public_url.rstrip('/')}/publik/keberatan?proposal={proposal_id}"


VARIABLES = variables(ResultsConfig)
