"""The local demo's data: what ``make run`` seeds in demo mode, and its removal.

    python -m deploy.local.demo clean [--dry-run]   # what `make demo-clean` does

Demo data lives under names no real deployment can hold: agency codes start with
``DEMO-`` (the submission API refuses that prefix) and addresses end with
``@example.org`` (reserved by RFC 2606). Removal starts from those rows in every
service's database and follows the ids they own (the demo agency's proposals, keys and
webhook endpoints; the demo people's accounts, assignments and deliveries; the outbox
events about them) into the other services' databases. A real agency's rows are left
alone, also the real proposals a demo reviewer was assigned to; only that reviewer's
assignments go with the reviewer.

The databases are those of the local stack (``SUBMISSION_DATABASE_URL``, ... or SQLite
under ``INAGARA_VAR_DIR``); run it while the stack is stopped or running. The broker's
copies of demo events are not touched: the local broker keeps them in memory only.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, Table, and_, delete, select
from sqlalchemy.engine import Connection

from shared.platform.db import make_engine

if TYPE_CHECKING:
    from deploy.local.stack import Stack

CODE_PREFIX = "DEMO-"
EMAIL_DOMAIN = "example.org"
AGENCY_CODE = f"{CODE_PREFIX}DINKES"
AGENCY_NAME = "Dinas Kesehatan (demo)"
AGENCY_CONTACT = f"inovasi.dinkes@{EMAIL_DOMAIN}"
# The review team: a secretariat account and three reviewers from other (demo)
# agencies than the demo agency, so that a demo proposal gets assigned.
TEAM = [
    ("Sekretariat Inovasi (demo)", f"sekretariat@{EMAIL_DOMAIN}", "BAPPEDA", "secretariat", []),
    ("Dr. Ratna Sari (demo)", f"ratna.sari@{EMAIL_DOMAIN}", "BAPPEDA", "reviewer", ["health"]),
    ("Agus Wibowo (demo)", f"agus.wibowo@{EMAIL_DOMAIN}", "DISKOMINFO", "reviewer", ["health"]),
    ("Maria Ulfa (demo)", f"maria.ulfa@{EMAIL_DOMAIN}", "UNIV", "reviewer", ["education"]),
]
TEAM = [(name, email, CODE_PREFIX + code, role, ex) for name, email, code, role, ex in TEAM]

# Which columns say "this row is the demo's" by themselves, and which carry an id.
_CODE_COLUMNS = {"code", "agency_code"}
_ADDRESS_COLUMNS = {"email", "contact_email", "recipient", "address"}
_TEXT_COLUMNS = {"principal", "value"}  # "agency:<id>", an outbox event's JSON
_SHORTEST_ID = 16  # uuids and addresses; never an integer key that would match anything


@dataclass(frozen=True)
class Seeded:
    api_key: str
    login: str
    password: str
    hook_url: str


def seed(stack: Stack) -> Seeded:
    """The demo agency (with an API key), its review team and, when the stack runs the
    portal stand-in, a webhook endpoint on it. Blocks on the services' APIs."""
    api_key = stack.create_demo_agency(AGENCY_CODE, AGENCY_NAME, AGENCY_CONTACT)
    login, password = stack.create_demo_review_team(TEAM)
    hook_url = stack.register_demo_webhook(api_key)[0] if stack.config.portal else ""
    return Seeded(api_key, login, password, hook_url)


def _is_root(column: str, value: object) -> bool:
    if not isinstance(value, str):
        return False
    if column in _CODE_COLUMNS:
        return value.upper().startswith(CODE_PREFIX)
    if column in _ADDRESS_COLUMNS or column.endswith("_email"):
        return value.lower().endswith("@" + EMAIL_DOMAIN)
    return False


def _mentions(column: str, value: object, ids: set[str]) -> bool:
    if value is None:
        return False
    if column == "id" or column.endswith("_id") or column == "key":
        return str(value) in ids
    if column in _TEXT_COLUMNS:
        text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
        return any(i in text for i in ids)
    return False


def _is_demo(row: Mapping[str, Any], ids: set[str]) -> bool:
    return any(_is_root(c, v) or _mentions(c, v, ids) for c, v in row.items())


def _own_ids(table: Table, row: Mapping[str, Any]) -> set[str]:
    """The ids a demo row gives away: its key, when that is an id other rows refer to."""
    key = [c.name for c in table.primary_key.columns]
    values = [str(row[k]) for k in key if row[k] is not None]
    return {v for v in values if len(v) >= _SHORTEST_ID} if len(key) == 1 else set()


def _tables(conn: Connection) -> list[Table]:
    metadata = MetaData()
    metadata.reflect(conn)
    return [t for t in metadata.sorted_tables if t.name != "alembic_version"]


def _rows(conn: Connection, table: Table) -> Iterable[dict[str, Any]]:
    return (dict(row._mapping) for row in conn.execute(select(table)))


def find(database_urls: Mapping[str, str]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Every demo row, by service and table. The ids found in one database are looked
    for in every other (a proposal id from submission in review and notification) until
    no more turn up."""
    ids: set[str] = set()
    while True:
        found: dict[str, dict[str, list[dict[str, Any]]]] = {}
        before = len(ids)
        for service, url in database_urls.items():
            engine = make_engine(url)
            try:
                with engine.connect() as conn:
                    for table in _tables(conn):
                        rows = [r for r in _rows(conn, table) if _is_demo(r, ids)]
                        for row in rows:
                            ids |= _own_ids(table, row)
                        if rows:
                            found.setdefault(service, {})[table.name] = rows
            finally:
                engine.dispose()
        if len(ids) == before:
            return found


def clean(database_urls: Mapping[str, str], dry_run: bool = False) -> dict[str, dict[str, int]]:
    """Delete every demo row (children before parents, one transaction per service);
    returns how many went, by service and table."""
    found = find(database_urls)
    counts: dict[str, dict[str, int]] = {}
    for service, tables in found.items():
        counts[service] = {name: len(rows) for name, rows in tables.items()}
        if dry_run:
            continue
        engine = make_engine(database_urls[service])
        try:
            with engine.begin() as conn:
                for table in reversed(_tables(conn)):
                    for row in tables.get(table.name, []):
                        key = list(table.primary_key.columns) or list(table.columns)
                        conn.execute(delete(table).where(and_(*(c == row[c.name] for c in key))))
        finally:
            engine.dispose()
    return counts


def database_urls(env: Mapping[str, str]) -> dict[str, str]:
    from deploy.local.stack import StackConfig

    return StackConfig.from_env(env).database_urls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    remove = sub.add_parser("clean", help="remove the demo data from every service's database")
    remove.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    args = parser.parse_args(argv)
    counts = clean(database_urls(os.environ), dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for service, tables in counts.items():
        listed = ", ".join(f"{name} {n}" for name, n in sorted(tables.items()))
        print(f"{service}: {verb} {listed}")
    if not counts:
        print("no demo data found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
