"""Inspect a dead-letter topic and replay it once the cause is fixed.

    python -m tools.dlq list inagara.proposals.dlq
    python -m tools.dlq show inagara.proposals.dlq 2:17        # partition:offset
    python -m tools.dlq replay inagara.proposals.dlq [--group inagara.dlq-replay]
                                                     [--limit N] [--dry-run]

``replay`` reads the dead-letter topic with a consumer group of its own, so a
replay resumes where the last one stopped and never replays a record twice.
Each dead letter goes back to the topic named in its ``dlq_topic`` header with
its original key, value and headers (the ``dlq_*`` ones stripped): the same key
keeps it on its proposal's partition, and the consumers' inboxes make the
groups that handled it before skip it. Records are produced with ``acks=all``;
the group's offsets are committed only after the broker acknowledged them, so
an interrupted replay repeats at most its last batch (which the inboxes absorb).

A replay stops at the end the topic had when it started: a record that fails
again is dead-lettered anew behind that end and waits for the next replay
instead of going round in a loop. Run one replay of a topic at a time: the
command takes every partition itself (no group membership, so it starts at once).

The broker comes from ``KAFKA_BOOTSTRAP_SERVERS`` (default 127.0.0.1:9092).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from kafka import KafkaConsumer
from kafka.structs import OffsetAndMetadata, TopicPartition

from shared.events.connection import kafka_client_from_env, kafka_security
from shared.events.envelope import Headers
from shared.events.producer import KafkaPublisher, Publisher
from shared.platform.settings import Settings

DEFAULT_GROUP = "inagara.dlq-replay"
DLQ_PREFIX = "dlq_"
DLQ_SUFFIX = ".dlq"


class DlqError(RuntimeError):
    """The command cannot go on (unknown topic, no such record, failed acknowledgement)."""


@dataclass(frozen=True)
class DeadLetter:
    """One record of a dead-letter topic, split into the original and why it died."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: Headers  # the original headers, without dlq_*
    why: dict[str, str]  # the dlq_* headers, without the prefix

    @property
    def origin_topic(self) -> str:
        return self.why.get("topic", "")

    @property
    def origin(self) -> tuple[str, str, str]:
        return (self.origin_topic, self.why.get("partition", ""), self.why.get("offset", ""))

    def summary(self) -> str:
        key = (self.key or b"").decode("utf-8", "replace")
        topic, partition, offset = self.origin
        return (
            f"{self.partition}:{self.offset}  from {topic}[{partition}]@{offset}  "
            f"group {self.why.get('consumer_group', '?')}  key {key}  "
            f"{self.why.get('reason', '(no reason)')}"
        )


def split_headers(headers: Sequence[tuple[str, bytes]] | None) -> tuple[Headers, dict[str, str]]:
    """The original headers and the ``dlq_*`` ones (prefix removed, decoded)."""
    original: Headers = []
    why: dict[str, str] = {}
    for name, raw in headers or []:
        if name.startswith(DLQ_PREFIX):
            why[name[len(DLQ_PREFIX) :]] = bytes(raw or b"").decode("utf-8", "replace")
        else:
            original.append((name, bytes(raw or b"")))
    return original, why


def dead_letter(dlq_topic: str, record: Any) -> DeadLetter:
    """A consumer record of ``dlq_topic`` as a ``DeadLetter``.

    Without a ``dlq_topic`` header the origin is the dead-letter topic's name
    without ``.dlq`` (the naming rule of ``shared.events.catalog``).
    """
    headers, why = split_headers(record.headers)
    if not why.get("topic") and dlq_topic.endswith(DLQ_SUFFIX):
        why["topic"] = dlq_topic[: -len(DLQ_SUFFIX)]
    return DeadLetter(
        record.partition, record.offset, record.key, record.value or b"", headers, why
    )


# -- reading --------------------------------------------------------------------


def _consumer(bootstrap: str, group: str | None) -> KafkaConsumer:
    # Security (KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*) as the workers read it.
    return KafkaConsumer(
        **kafka_client_from_env(bootstrap),
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,
        max_poll_records=500,
    )


def _partitions(consumer: KafkaConsumer, topic: str) -> list[TopicPartition]:
    found = consumer.partitions_for_topic(topic)
    if not found:
        raise DlqError(f"no topic {topic!r} on the broker")
    return [TopicPartition(topic, p) for p in sorted(found)]


def read_until_end(
    consumer: KafkaConsumer, partitions: list[TopicPartition], limit: int | None = None
) -> Iterator[Any]:
    """Records from each partition's current position up to the end it had when called.

    Blocks on the broker; stops after ``limit`` records when given.
    """
    ends: dict[TopicPartition, int] = consumer.end_offsets(partitions)
    left = {p for p in partitions if consumer.position(p) < ends[p]}
    count = 0
    while left and (limit is None or count < limit):
        for partition, records in consumer.poll(timeout_ms=500).items():
            for record in records:
                if partition not in left or record.offset >= ends[partition]:
                    break
                yield record
                count += 1
                if limit is not None and count >= limit:
                    return
            if partition in left and consumer.position(partition) >= ends[partition]:
                left.discard(partition)
        left = {p for p in left if consumer.position(p) < ends[p]}


def read_all(bootstrap: str, dlq_topic: str) -> list[DeadLetter]:
    """Every record of ``dlq_topic`` from the beginning (no group, nothing committed)."""
    consumer = _consumer(bootstrap, None)
    try:
        partitions = _partitions(consumer, dlq_topic)
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        return [dead_letter(dlq_topic, r) for r in read_until_end(consumer, partitions)]
    finally:
        consumer.close()


def find(bootstrap: str, dlq_topic: str, partition: int, offset: int) -> DeadLetter:
    """The dead letter at ``partition:offset``; raises ``DlqError`` when there is none."""
    consumer = _consumer(bootstrap, None)
    try:
        wanted = TopicPartition(dlq_topic, partition)
        if wanted not in _partitions(consumer, dlq_topic):
            raise DlqError(f"{dlq_topic} has no partition {partition}")
        consumer.assign([wanted])
        consumer.seek(wanted, offset)
        for record in read_until_end(consumer, [wanted], limit=1):
            if record.offset == offset:
                return dead_letter(dlq_topic, record)
        raise DlqError(f"no record at {dlq_topic} {partition}:{offset}")
    finally:
        consumer.close()


# -- replaying ------------------------------------------------------------------


@dataclass(frozen=True)
class ReplayResult:
    replayed: tuple[DeadLetter, ...]
    duplicates: int  # the same original record, dead-lettered by several groups
    committed: bool


def republish(letters: Sequence[DeadLetter], publisher: Publisher) -> None:
    """Produce each letter back to its origin; blocks until every one is acknowledged."""
    for letter in letters:
        publisher.publish(letter.origin_topic, letter.key, letter.value, letter.headers)
    publisher.flush(timeout_s=60)


def next_offsets(letters: Sequence[DeadLetter], topic: str) -> dict[TopicPartition, int]:
    """The group's new position per partition: one past the last letter taken."""
    offsets: dict[TopicPartition, int] = {}
    for letter in letters:
        tp = TopicPartition(topic, letter.partition)
        offsets[tp] = max(offsets.get(tp, 0), letter.offset + 1)
    return offsets


def unique_origins(letters: Sequence[DeadLetter]) -> list[DeadLetter]:
    """One letter per original record: several groups may have given up on the same one."""
    seen: set[tuple[str, str, str]] = set()
    unique = []
    for letter in letters:
        if letter.origin in seen and all(letter.origin):
            continue
        seen.add(letter.origin)
        unique.append(letter)
    return unique


def replay(
    bootstrap: str,
    dlq_topic: str,
    publisher: Publisher | None,
    *,
    group: str = DEFAULT_GROUP,
    limit: int | None = None,
) -> ReplayResult:
    """Replay what ``group`` has not replayed yet; ``publisher=None`` is a dry run.

    Blocks on the broker; raises ``DlqError`` for an unknown topic and
    ``kafka.errors.KafkaError`` when a record is not acknowledged (then nothing
    is committed and the next replay starts at the same place).
    """
    consumer = _consumer(bootstrap, group)
    try:
        partitions = _partitions(consumer, dlq_topic)
        consumer.assign(partitions)  # positions start at the group's committed offsets
        letters = [dead_letter(dlq_topic, r) for r in read_until_end(consumer, partitions, limit)]
        chosen = unique_origins(letters)
        if publisher is None or not letters:
            return ReplayResult(tuple(chosen), len(letters) - len(chosen), committed=False)
        republish(chosen, publisher)
        consumer.commit(
            {
                tp: OffsetAndMetadata(offset, "", -1)
                for tp, offset in next_offsets(letters, dlq_topic).items()
            }
        )
        return ReplayResult(tuple(chosen), len(letters) - len(chosen), committed=True)
    finally:
        consumer.close(autocommit=False)


# -- the command ----------------------------------------------------------------


def _position(text: str) -> tuple[int, int]:
    partition, _, offset = text.partition(":")
    try:
        return int(partition), int(offset)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected PARTITION:OFFSET, got {text!r}") from None


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m tools.dlq", description="Inspect and replay dead-letter topics."
    )
    commands = root.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="one line per dead letter, oldest first")
    listing.add_argument("topic", help="the dead-letter topic, such as inagara.proposals.dlq")
    show = commands.add_parser("show", help="one dead letter in full")
    show.add_argument("topic")
    show.add_argument("position", type=_position, help="PARTITION:OFFSET, as `list` prints it")
    again = commands.add_parser("replay", help="produce dead letters back to their topic")
    again.add_argument("topic")
    again.add_argument("--group", default=DEFAULT_GROUP, help=f"default {DEFAULT_GROUP}")
    again.add_argument("--limit", type=int, default=None, help="replay at most N records")
    again.add_argument(
        "--dry-run", action="store_true", help="print what would be replayed; change nothing"
    )
    return root


def _show(letter: DeadLetter, out: TextIO) -> None:
    print(f"position   {letter.partition}:{letter.offset}", file=out)
    for name, value in sorted(letter.why.items()):
        print(f"dlq_{name:<16} {value}", file=out)
    print(f"key        {(letter.key or b'').decode('utf-8', 'replace')}", file=out)
    for name, raw in letter.headers:
        print(f"header     {name}: {raw.decode('utf-8', 'replace')}", file=out)
    try:
        body = json.dumps(json.loads(letter.value), indent=2, ensure_ascii=False)
    except ValueError:
        body = repr(letter.value)
    print(f"value\n{body}", file=out)


def run(args: argparse.Namespace, bootstrap: str, out: TextIO) -> int:
    if args.command == "list":
        letters = read_all(bootstrap, args.topic)
        for letter in letters:
            print(letter.summary(), file=out)
        print(f"{len(letters)} dead letters in {args.topic}", file=out)
    elif args.command == "show":
        _show(find(bootstrap, args.topic, *args.position), out)
    else:
        security = kafka_security(Settings.from_env())
        publisher = None if args.dry_run else KafkaPublisher(bootstrap, **security)
        try:
            result = replay(bootstrap, args.topic, publisher, group=args.group, limit=args.limit)
        finally:
            if publisher is not None:
                publisher.close()
        verb = "would replay" if args.dry_run else "replayed"
        for letter in result.replayed:
            print(f"{verb} {letter.summary()}", file=out)
        print(
            f"{verb} {len(result.replayed)} records from {args.topic}"
            f" ({result.duplicates} duplicates of the same original skipped)",
            file=out,
        )
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = parser().parse_args(argv)
    bootstrap = Settings.from_env("dlq").kafka_bootstrap_servers
    try:
        return run(args, bootstrap, out)
    except DlqError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
