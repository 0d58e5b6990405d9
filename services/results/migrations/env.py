"""Alembic environment: the same for every service (see shared/platform/migrations.py)."""

from shared.platform.migrations import run_env

run_env()
