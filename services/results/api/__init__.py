"""The results service's web edges: the JSON feed (``feed``, in the OpenAPI document) and
the public pages (``pages``)."""

from services.results.api.feed import blp
from services.results.api.pages import bp as pages_bp

__all__ = ["blp", "pages_bp"]
