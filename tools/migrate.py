"""A service's database migrations, for developers: ``python -m tools.migrate <service>``.

Brings the database in ``DATABASE_URL`` to head, like ``python -m
services.<service>.migrations`` (what the images run); with ``--revision
"message"`` it then writes a new migration from the difference between the
models and that database (point DATABASE_URL at a scratch database).
"""

from __future__ import annotations

import argparse
import sys

from shared.platform import migrations
from shared.platform.settings import Settings
from tools.services import NAMES, by_name


def migrate(service: str, database_url: str) -> None:
    """Upgrade ``service``'s database to head; blocks on the database."""
    migrations.migrate(by_name(service).schema, database_url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.migrate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("service", choices=NAMES)
    parser.add_argument("--revision", metavar="MESSAGE", help="autogenerate a new migration")
    args = parser.parse_args(argv)
    schema = by_name(args.service).schema
    database_url = Settings.from_env(args.service).database_url
    if args.revision:
        migrations.new_revision(schema, database_url, args.revision)
        return 0
    migrations.migrate(schema, database_url)
    print(f"{args.service}: database at migration {migrations.head(schema)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
