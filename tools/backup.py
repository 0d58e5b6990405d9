"""Back up and restore a whole Inagara: ``python -m tools.backup create|restore FOLDER``.

What a backup holds, taken in this order while the system runs:

1. ``offsets.json``: the committed offsets of every service's consumer group. Taken
   first, so that they are never ahead of what the databases hold (a consumer commits
   only after its handler's transaction committed).
2. ``<service>.sqlite`` (SQLite's online backup API) or ``<service>.pgdump``
   (``pg_dump --format=custom``, one consistent snapshot) for review, submission and
   notification, in that order. On PostgreSQL the tool holds each outbox's advisory
   lock while it copies, which pauses every relay (they take the same lock for each
   batch): no event leaves an outbox between the first copy and the last, so no
   service's copy can hold the effect of an event that its producer's copy lacks.
   The notification copy comes last, so that it knows of as many sent messages as
   possible: a message sent after it would be sent again after a restore.
3. ``evidence/``: the evidence store (``EVIDENCE_DIR``), copied after the submission
   database, so every file its copy names is there (a file is written before its row).
4. ``manifest.json``, written last: its presence marks a complete backup. It records
   each database's migration, its outbox (rows, unsent), inbox size, the deliveries
   not yet sent, the evidence files and the offsets.

Restore (into empty databases and an empty evidence folder, processes stopped):

- ``--broker fresh`` (the default; a new or emptied Kafka): the databases and the
  evidence are put back, and every outbox row is marked unsent, so the relays publish
  each service's whole history again, in its original order. Each consumer's inbox
  (restored with its database) drops what it handled before the backup and handles
  what it had not; notification records one delivery per (event, channel,
  recipient), so nothing is sent twice. No offsets are committed: the new topics
  start at 0 and the groups read them from the beginning.
- ``--broker kept`` (the cluster survived; typically one service's database is
  restored with ``--only``): the saved offsets of the restored services' groups are
  committed, so their consumers read again everything since the backup (their inbox
  drops what the copy had already handled). Their outbox rows unsent at the backup are
  published; rows already sent are still on the topics.

Where things are, from the environment: ``SUBMISSION_DATABASE_URL``,
``REVIEW_DATABASE_URL``, ``NOTIFICATION_DATABASE_URL`` (default SQLite under
``INAGARA_VAR_DIR``, as the local stack), ``EVIDENCE_DIR`` (``var/evidence``),
``KAFKA_BOOTSTRAP_SERVERS`` and the ``KAFKA_SECURITY_*`` settings (docs/OPERATE.md:
Backup and restore).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient
from kafka.structs import OffsetAndMetadata, TopicPartition
from sqlalchemy import Connection, Engine, func, inspect, select, table, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.sql import column

from shared.events.connection import kafka_client_from_env
from shared.events.relay import outbox_lock_key
from shared.platform.db import make_engine, normalise_url
from tools.services import NAMES, by_name

# The order of the copies: review before submission (a proposal can then never be in
# review's copy and missing from its owner's), notification last (see the docstring);
# then results, a projection without an outbox (what it lacks, its consumer reads again).
ORDER = ("review", "submission", "notification", "results")
MANIFEST = "manifest.json"
OFFSETS = "offsets.json"
EVIDENCE = "evidence"
FORMAT = 1
_outbox = table("outbox", column("id"), column("sent_at"), column("last_error"))
_inbox = table("inbox", column("event_id"))
_deliveries = table("deliveries", column("status"))
_alembic = table("alembic_version", column("version_num"))


class BackupError(RuntimeError):
    """A backup or restore that cannot go on, with what to do about it."""


@dataclass(frozen=True)
class Places:
    """Where the system keeps what a backup holds."""

    database_urls: dict[str, str]
    evidence_dir: Path
    bootstrap_servers: str  # empty: no broker (offsets neither saved nor committed)
    evidence_bucket: str = ""  # EVIDENCE_S3_BUCKET: the evidence is there, not copied here

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Places:
        env = os.environ if environ is None else environ
        var = Path(env.get("INAGARA_VAR_DIR", "var")).resolve()
        return cls(
            database_urls={
                s: env.get(f"{s.upper()}_DATABASE_URL") or f"sqlite:///{var}/{s}.db" for s in NAMES
            },
            evidence_dir=Path(env.get("EVIDENCE_DIR") or var / "evidence"),
            bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS", ""),
            evidence_bucket=env.get("EVIDENCE_S3_BUCKET", ""),
        )


def consumer_groups(service: str) -> list[str]:
    """The consumer groups ``service``'s worker joins."""
    return [config.group_id for config, _ in by_name(service).consumers]


# -- the consumer offsets ---------------------------------------------------------


def read_offsets(bootstrap_servers: str, groups: Sequence[str]) -> dict[str, list[list[Any]]]:
    """Each group's committed offsets: ``{group: [[topic, partition, offset], ...]}``."""
    admin = KafkaAdminClient(**kafka_client_from_env(bootstrap_servers))
    try:
        saved: dict[str, list[list[Any]]] = {}
        for group in groups:
            offsets = admin.list_group_offsets(group)[group]
            saved[group] = sorted(
                [tp.topic, tp.partition, meta.offset]
                for tp, meta in offsets.items()
                if meta.offset >= 0
            )
        return saved
    finally:
        admin.close()


def commit_offsets(bootstrap_servers: str, group: str, offsets: Sequence[Sequence[Any]]) -> None:
    """Commit ``offsets`` for ``group``; its consumers must be stopped (an empty group)."""
    if not offsets:
        return
    admin = KafkaAdminClient(**kafka_client_from_env(bootstrap_servers))
    try:
        errors = admin.alter_group_offsets(
            group,
            {
                TopicPartition(topic, partition): OffsetAndMetadata(offset, "", -1)
                for topic, partition, offset in offsets
            },
        )
    finally:
        admin.close()
    failed = {f"{tp.topic}[{tp.partition}]": e.__name__ for tp, e in errors.items() if e.errno}
    if failed:
        raise BackupError(
            f"Kafka refused the offsets of {group} ({failed}): stop its consumers first"
        )


# -- the databases ----------------------------------------------------------------


def _backend(url: str) -> str:
    return make_url(normalise_url(url)).get_backend_name()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"{url}: a SQLite database in memory cannot be backed up")
    return Path(database)


def _libpq_env(url: str) -> dict[str, str]:
    """The URL as libpq variables, so that no password shows in a process list."""
    parsed = make_url(normalise_url(url))
    given = {
        "PGHOST": parsed.host,
        "PGPORT": str(parsed.port) if parsed.port else None,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
        "PGDATABASE": parsed.database,
    }
    return {**os.environ, **{k: str(v) for k, v in given.items() if v}}


def _run(command: list[str], url: str) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} not found: install the PostgreSQL client tools")
    # pg_dump or pg_restore found on PATH, with an argument list: no shell.
    done = subprocess.run(
        [tool, *command[1:]], env=_libpq_env(url), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def copy_database(url: str, folder: Path, service: str) -> str:
    """Copy the database at ``url`` into ``folder``; returns the file's name."""
    if _backend(url) == "sqlite":
        name = f"{service}.sqlite"
        with (
            contextlib.closing(sqlite3.connect(_sqlite_path(url))) as source,
            contextlib.closing(sqlite3.connect(folder / name)) as target,
        ):
            source.backup(target)
        return name
    name = f"{service}.pgdump"
    _run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={folder / name}"],
        url,
    )
    return name


def load_database(url: str, copy: Path) -> None:
    """Put ``copy`` into the (empty) database at ``url``."""
    backend = _backend(url)
    if (copy.suffix == ".sqlite") != (backend == "sqlite"):
        raise BackupError(f"{copy.name} cannot be restored into a {backend} database")
    if backend == "sqlite":
        path = _sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        with (
            contextlib.closing(sqlite3.connect(copy)) as source,
            contextlib.closing(sqlite3.connect(path)) as target,
        ):
            source.backup(target)
        return
    database = make_url(normalise_url(url)).database or ""
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={database}",
            str(copy),
        ],
        url,
    )


def _count(conn: Connection, query: Any) -> int:
    return int(conn.execute(query).scalar_one())


def describe(conn: Connection) -> dict[str, Any]:
    """What a manifest says of one database: its migration, outbox and inbox."""
    names = set(inspect(conn).get_table_names())
    about: dict[str, Any] = {
        "revision": conn.execute(select(_alembic.c.version_num)).scalar()
        if "alembic_version" in names
        else None,
        "outbox_rows": _count(conn, select(func.count()).select_from(_outbox))
        if "outbox" in names
        else 0,
        "outbox_unsent": _count(
            conn, select(func.count()).select_from(_outbox).where(_outbox.c.sent_at.is_(None))
        )
        if "outbox" in names
        else 0,
        "inbox_rows": _count(conn, select(func.count()).select_from(_inbox)),
    }
    if "deliveries" in names:
        about["deliveries_not_sent"] = _count(
            conn,
            select(func.count())
            .select_from(_deliveries)
            .where(_deliveries.c.status.in_(["pending", "sending"])),
        )
    return about


@contextlib.contextmanager
def relays_paused(engines: Mapping[str, Engine]) -> Iterator[None]:
    """Hold the outbox advisory lock of every PostgreSQL database: their relays wait."""
    with contextlib.ExitStack() as held:
        for engine in engines.values():
            if engine.dialect.name != "postgresql":
                continue
            conn = held.enter_context(engine.connect())
            key = outbox_lock_key("outbox")
            conn.execute(text("SET lock_timeout = '60s'"))
            conn.execute(select(func.pg_advisory_lock(key)))
            conn.commit()
            held.callback(_unlock, conn, key)
        yield


def _unlock(conn: Connection, key: int) -> None:
    conn.execute(select(func.pg_advisory_unlock(key)))
    conn.commit()


def _empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return not inspect(conn).get_table_names()


# -- the evidence store -------------------------------------------------------------


def _evidence_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".upload-"))


def copy_evidence(source: Path, target: Path) -> dict[str, int]:
    files = _evidence_files(source)
    for path in files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    target.mkdir(parents=True, exist_ok=True)
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}


# -- create and restore -----------------------------------------------------------


def create(places: Places, folder: Path) -> dict[str, Any]:
    """Back up the running system into ``folder`` (new or empty); returns the manifest."""
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: give each backup a folder of its own")
    folder.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "started_at": datetime.now(UTC).isoformat(),
        "databases": {},
    }
    if places.bootstrap_servers:
        groups = [g for s in NAMES for g in consumer_groups(s)]
        offsets = read_offsets(places.bootstrap_servers, groups)
        (folder / OFFSETS).write_text(json.dumps(offsets, indent=2))
        manifest["offsets"] = offsets
    engines = {s: make_engine(places.database_urls[s]) for s in ORDER}
    try:
        with relays_paused(engines):
            manifest["relays_paused"] = sorted(
                s for s, e in engines.items() if e.dialect.name == "postgresql"
            )
            for service in ORDER:
                name = copy_database(places.database_urls[service], folder, service)
                manifest["databases"][service] = {"file": name}
                if not name.endswith(".sqlite"):
                    # pg_dump's snapshot is not shared: the figures are read just after
                    # it, relays still paused (web requests may have added rows since).
                    with engines[service].connect() as conn:
                        manifest["databases"][service] |= describe(conn)
    finally:
        for engine in engines.values():
            engine.dispose()
    manifest["evidence"] = copy_evidence(places.evidence_dir, folder / EVIDENCE)
    if places.evidence_bucket:
        manifest["evidence"]["not_copied"] = f"s3://{places.evidence_bucket}"
        print(
            f"backup: the evidence is in s3://{places.evidence_bucket}: copy the bucket now "
            "(docs/OPERATE.md: Backup and restore)",
            file=sys.stderr,
        )
    for service in ORDER:
        manifest["databases"][service] |= _describe_copy(folder, service, manifest)
    manifest["finished_at"] = datetime.now(UTC).isoformat()
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def _describe_copy(folder: Path, service: str, manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest's figures, read from the copy itself where it is a SQLite file
    (a PostgreSQL copy's were read beside it)."""
    name = manifest["databases"][service]["file"]
    if not name.endswith(".sqlite"):
        return {}
    engine = make_engine(f"sqlite:///{folder / name}")
    try:
        with engine.connect() as conn:
            return describe(conn)
    finally:
        engine.dispose()


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{folder} holds no {MANIFEST}: not a complete backup")
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: format {manifest.get('format')!r}, this tool reads {FORMAT}")
    return manifest


def restore(
    places: Places, folder: Path, broker: str = "fresh", only: Sequence[str] = NAMES
) -> dict[str, Any]:
    """Put the backup in ``folder`` back; returns what was done, per service."""
    manifest = read_manifest(folder)
    if broker == "fresh" and set(only) != set(NAMES):
        raise BackupError(
            "a fresh broker needs every service restored (each outbox published again); "
            "--only goes with --broker kept"
        )
    engines = {s: make_engine(places.database_urls[s]) for s in only}
    try:
        for service, engine in engines.items():
            if not _empty(engine):
                raise BackupError(
                    f"the {service} database is not empty: restore into a new database"
                )
        if "submission" in only and _evidence_files(places.evidence_dir):
            raise BackupError(f"{places.evidence_dir} is not empty: restore into a new folder")
        done: dict[str, Any] = {}
        for service, engine in engines.items():
            load_database(
                places.database_urls[service], folder / manifest["databases"][service]["file"]
            )
            with engine.begin() as conn:
                republished = 0
                if broker == "fresh" and "outbox" in inspect(conn).get_table_names():
                    marked = conn.execute(update(_outbox).values(sent_at=None, last_error=None))
                    republished = marked.rowcount
                done[service] = {**describe(conn), "republished": republished}
        if "submission" in only:
            done["evidence"] = copy_evidence(folder / EVIDENCE, places.evidence_dir)
        if broker == "kept":
            if not places.bootstrap_servers:
                raise BackupError("--broker kept needs KAFKA_BOOTSTRAP_SERVERS")
            saved = manifest.get("offsets", {})
            for service in only:
                for group in consumer_groups(service):
                    commit_offsets(places.bootstrap_servers, group, saved.get(group, []))
            done["offsets_committed"] = {
                g: saved.get(g, []) for s in only for g in consumer_groups(s)
            }
        return done
    finally:
        for engine in engines.values():
            engine.dispose()


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(
        prog="python -m tools.backup", description=__doc__.split("\n")[0]
    )
    commands = parse.add_subparsers(dest="command", required=True)
    made = commands.add_parser("create", help="back up the running system into FOLDER")
    made.add_argument("folder", type=Path)
    back = commands.add_parser("restore", help="restore FOLDER into empty databases")
    back.add_argument("folder", type=Path)
    back.add_argument(
        "--broker",
        choices=("fresh", "kept"),
        default="fresh",
        help="fresh: a new Kafka, every outbox published again (default); "
        "kept: the same Kafka, the saved offsets committed",
    )
    back.add_argument(
        "--only", choices=NAMES, action="append", help="restore only this service (repeatable)"
    )
    return parse


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    places = Places.from_env()
    try:
        if args.command == "create":
            result = create(places, args.folder)
        else:
            result = restore(places, args.folder, args.broker, tuple(args.only or NAMES))
    except BackupError as exc:
        print(f"backup: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
