"""The agency portal API: one blueprint per feature."""

from services.submission.api import (
    addenda,
    agencies,
    cycles,
    evidence,
    proposals,
    subjects,
    webhooks,
)

BLUEPRINTS = [
    agencies.blp,
    proposals.blp,
    evidence.blp,
    addenda.blp,
    cycles.blp,
    subjects.blp,
    webhooks.blp,
]

__all__ = ["BLUEPRINTS"]
