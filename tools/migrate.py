"""Bring a service's database to the current schema: ``python -m tools.migrate <service>``.

Used by the local stack, the Kubernetes migration Job and compose. It reads
``DATABASE_URL`` like the service itself. With ``--revision "message"`` it
writes a new migration from the difference between the models and a database
at head (for developers: point DATABASE_URL at a scratch database).
"""

from __future__ import annotations

import argparse
import sys

from shared.platform import migrations
from shared.platform.db import make_engine
from shared.settings import Settings
from tools.services import NAMES


def migrate(service: str, database_url: str) -> None:
    """Upgrade ``service``'s database to head; blocks on the database.

    Raises ``SchemaNotCurrent`` for a database made before migrations existed
    that no longer matches the models (an old local ``var/``).
    """
    engine = make_engine(database_url)
    try:
        migrations.ensure_current(service, engine, database_url, auto_migrate=True)
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.migrate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("service", choices=NAMES)
    parser.add_argument("--revision", metavar="MESSAGE", help="autogenerate a new migration")
    args = parser.parse_args(argv)
    settings = Settings.from_env(args.service)
    if args.revision:
        migrations.new_revision(args.service, settings.database_url, args.revision)
        return 0
    migrate(args.service, settings.database_url)
    print(f"{args.service}: database at migration {migrations.head(args.service)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
