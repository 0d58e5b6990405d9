"""The agency portal API: one blueprint per feature."""

from services.submission.api import agencies, cycles, evidence, proposals

BLUEPRINTS = [agencies.blp, proposals.blp, evidence.blp, cycles.blp]

__all__ = ["BLUEPRINTS"]
