"""The agency portal API: one blueprint per feature."""

from services.submission.api import agencies, cycles, evidence, proposals, subjects

BLUEPRINTS = [agencies.blp, proposals.blp, evidence.blp, cycles.blp, subjects.blp]

__all__ = ["BLUEPRINTS"]
