"""Flask factory of the review service."""

from __future__ import annotations

from flask import Flask

from services.review import store
from services.review.api import blp
from shared.settings import Settings
from shared.web import create_service_app


def create_app(settings: Settings | None = None) -> Flask:
    return create_service_app(
        settings or Settings.from_env("review"),
        store.metadata,
        [blp],
        title="Inagara review API",
        description="The assessment team screens, assigns, scores, shortlists and awards proposals.",
    )
