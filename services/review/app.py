"""Flask factory of the review service."""

from __future__ import annotations

from flask import Flask

from services.review import store
from services.review.api import BLUEPRINTS
from services.review.settings import ReviewSettings
from shared.settings import Settings
from shared.web import create_service_app


def create_app(settings: Settings | None = None, review: ReviewSettings | None = None) -> Flask:
    review = review or ReviewSettings.from_env()
    app = create_service_app(
        settings or Settings.from_env("review"),
        store.metadata,
        list(BLUEPRINTS),
        title="Inagara review API",
        description="The assessment team screens, assigns, scores, shortlists and awards proposals.",
    )
    app.extensions["inagara_review"] = review
    return app
