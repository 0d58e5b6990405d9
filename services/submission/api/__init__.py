"""The agency portal API: one blueprint per feature."""

from services.submission.api import agencies, cycles, evidence, proposals, webhooks

BLUEPRINTS = [agencies.blp, proposals.blp, evidence.blp, cycles.blp, webhooks.blp]

__all__ = ["BLUEPRINTS"]
