"""Alembic environment: the same for every service (see shared/migrations.py)."""

from shared.migrations import run_env

run_env()
