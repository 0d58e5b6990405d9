"""gunicorn entry: ``gunicorn 'services.results.wsgi:create_app()'`` (never with --preload)."""

from services.results.app import create_app

__all__ = ["create_app"]
