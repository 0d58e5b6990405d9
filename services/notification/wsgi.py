"""gunicorn entry: ``gunicorn 'services.notification.wsgi:create_app()'`` (never with --preload)."""

from services.notification.app import create_app

__all__ = ["create_app"]
