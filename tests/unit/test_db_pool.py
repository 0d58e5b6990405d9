"""DB_POOL_SIZE and DB_MAX_OVERFLOW reach the engine (docs/OPERATE.md, "Connections")."""

from __future__ import annotations

from shared.platform.db import make_engine


def test_the_pool_of_a_postgresql_engine_follows_the_settings() -> None:
    engine = make_engine("postgresql://u@127.0.0.1:1/x", pool_size=2, max_overflow=1)
    assert engine.pool.size() == 2  # type: ignore[attr-defined]
    assert engine.pool._max_overflow == 1  # type: ignore[attr-defined]
    engine.dispose()
