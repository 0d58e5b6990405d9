"""gunicorn entry: ``gunicorn 'services.submission.wsgi:create_app()'`` (never with --preload)."""

from services.submission.app import create_app

__all__ = ["create_app"]
