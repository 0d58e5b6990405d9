"""Fixtures of the fault tests: ``own_broker`` is in tests/conftest.py (shared with e2e)."""
