"""Bring a service's database to the current schema: ``python -m shared.migrate <service>``.

Used by the local stack, the Kubernetes migration Job and compose. It reads
``DATABASE_URL`` like the service itself.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from shared.db import create_schema, make_engine
from shared.settings import Settings

SERVICES = ("submission", "review", "notification")


def migrate(service: str, database_url: str) -> None:
    """Create what is missing in ``service``'s database; blocks on the database."""
    store = importlib.import_module(f"services.{service}.store")
    engine = make_engine(database_url)
    try:
        create_schema(engine, store.metadata)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shared.migrate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("service", choices=SERVICES)
    args = parser.parse_args(argv)
    settings = Settings.from_env(args.service)
    migrate(args.service, settings.database_url)
    print(f"{args.service}: database schema is current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
