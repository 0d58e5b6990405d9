"""gunicorn entry: ``gunicorn 'services.review.wsgi:create_app()'`` (never with --preload)."""

from services.review.app import create_app

__all__ = ["create_app"]
