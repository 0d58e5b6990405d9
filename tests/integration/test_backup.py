"""The backup tool's parts on the real broker and real databases (the whole procedure,
on running stacks, is tests/e2e/test_backup_restore.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from services.review.store.tables import outbox
from shared.events.relay import OutboxRelay
from shared.platform import migrations
from shared.platform.db import make_engine
from tests.kafka_io import produce_raw
from tools.backup import (
    BackupError,
    Places,
    commit_offsets,
    create,
    read_offsets,
    relays_paused,
    restore,
)
from tools.migrate import migrate
from tools.services import NAMES, by_name


def test_saved_offsets_are_committed_back_for_a_group(kafka_bootstrap: str, topic: str) -> None:
    for partition in (0, 1):
        for n in range(3):
            produce_raw(kafka_bootstrap, topic, None, f"{n}".encode(), partition=partition)
    group = f"backup-{topic}"
    saved = [[topic, 0, 2], [topic, 1, 1]]
    commit_offsets(kafka_bootstrap, group, saved)
    assert read_offsets(kafka_bootstrap, [group]) == {group: saved}
    commit_offsets(kafka_bootstrap, group, [[topic, 0, 3]])
    assert read_offsets(kafka_bootstrap, [group]) == {group: [[topic, 0, 3], [topic, 1, 1]]}


def places(database_factory: Callable[[], str], folder: Path) -> Places:
    return Places(
        database_urls={s: database_factory() for s in NAMES},
        evidence_dir=folder,
        bootstrap_servers="",
    )


def test_a_backup_restores_only_into_empty_places(
    database_factory: Callable[[], str], tmp_path: Path
) -> None:
    old = places(database_factory, tmp_path / "old-evidence")
    for service, url in old.database_urls.items():
        migrate(service, url)
    engine = make_engine(old.database_urls["review"])
    with engine.begin() as conn:
        for n in range(3):
            conn.execute(
                insert(outbox),
                {
                    "event_id": f"e{n}",
                    "event_type": "review.assigned",
                    "topic": "inagara.reviews",
                    "value": b"{}",
                    "headers": [],
                    "created_at": datetime.now(UTC),
                    "sent_at": datetime.now(UTC) if n < 2 else None,
                },
            )
    engine.dispose()
    (tmp_path / "old-evidence" / "ab").mkdir(parents=True)
    (tmp_path / "old-evidence" / "ab" / "file").write_bytes(b"bukti")

    made = create(old, tmp_path / "backup")
    assert made["evidence"] == {"files": 1, "bytes": 5}
    assert made["databases"]["review"]["outbox_rows"] == 3
    assert made["databases"]["review"]["outbox_unsent"] == 1
    with pytest.raises(BackupError, match="not empty"):
        create(old, tmp_path / "backup")
    with pytest.raises(BackupError, match="database is not empty"):
        restore(old, tmp_path / "backup")

    new = places(database_factory, tmp_path / "new-evidence")
    with pytest.raises(BackupError, match="--only goes with --broker kept"):
        restore(new, tmp_path / "backup", only=("review",))
    done = restore(new, tmp_path / "backup")
    assert (tmp_path / "new-evidence" / "ab" / "file").read_bytes() == b"bukti"
    for service in NAMES:
        assert done[service]["revision"] == migrations.head(by_name(service).schema)
    # A fresh broker: every row of the outbox goes out again.
    assert done["review"]["outbox_unsent"] == done["review"]["republished"] == 3


class Recording:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def publish(self, topic: str, key: bytes | None, value: bytes, headers: object) -> None:
        self.sent.append(value)

    def flush(self, timeout_s: float | None = None) -> None:
        return None

    def close(self) -> None:
        return None


def test_relays_wait_while_the_backup_copies_a_postgresql_database(database_url: str) -> None:
    """PostgreSQL: the backup holds each outbox's advisory lock, so no relay publishes
    between the dump and the manifest. SQLite: the copy is one consistent snapshot (the
    online backup API), so nothing is held and a relay goes on publishing."""
    migrate("review", database_url)
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            insert(outbox),
            {
                "event_id": "e1",
                "event_type": "review.assigned",
                "topic": "inagara.reviews",
                "value": b"{}",
                "headers": [],
                "created_at": datetime.now(UTC),
            },
        )
    publisher = Recording()
    relay = OutboxRelay(engine, outbox, publisher)
    if engine.dialect.name == "sqlite":
        try:
            with relays_paused({"review": engine}):
                assert relay.publish_batch() == 1
            assert publisher.sent == [b"{}"]
        finally:
            engine.dispose()
        return
    try:
        with relays_paused({"review": engine}):
            assert relay.publish_batch() == 0
            # In another thread too: the lock is the database's, not this process's.
            counted: list[int] = []
            worker = threading.Thread(target=lambda: counted.append(relay.publish_batch()))
            worker.start()
            worker.join(10)
            assert counted == [0] and publisher.sent == []
        assert relay.publish_batch() == 1
        assert publisher.sent == [b"{}"]
    finally:
        engine.dispose()
