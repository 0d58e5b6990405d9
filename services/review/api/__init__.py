"""HTTP edge of the review service: the JSON API blueprints (and the web pages, in ``pages``)."""

from services.review.api import (
    access,
    accounts,
    assignments,
    conflicts,
    cycles,
    objections,
    pipeline,
    proposals,
)

BLUEPRINTS = [
    accounts.blp,
    access.blp,
    cycles.blp,
    proposals.blp,
    assignments.blp,
    pipeline.blp,
    conflicts.blp,
    objections.blp,
    objections.public,
]
