"""How long a proposal takes from `POST /v1/proposals` to the confirmation email
accepted by the SMTP server, on the local stack (SQLite, local broker).

    python -m bench.post_to_email [--count 50] [--rate 10]

Baseline in the same run, on the same broker: a bare kafka-python record's
trip from `send` to a consumer in a formed group. Prints both and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import requests
from kafka import KafkaConsumer, KafkaProducer

from deploy.local.mailcatcher import read_mail
from deploy.local.stack import DEMO_PROPOSAL, SERVICES, Stack, StackConfig
from shared.broker import LocalBroker, ensure_topics, free_port


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"{name:<28} n={len(ms):<4} p50={percentile(ms, 50):7.1f} ms  "
        f"p95={percentile(ms, 95):7.1f} ms  max={max(ms):7.1f} ms  mean={statistics.mean(ms):7.1f} ms"
    )


def kafka_baseline(bootstrap: str, count: int, interval_s: float) -> list[float]:
    topic = f"bench.{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, [topic], partitions=6)
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="latest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        fetch_max_wait_ms=50,
    )
    while not consumer.assignment():
        consumer.poll(100)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    latencies = []
    for i in range(count):
        sent = time.perf_counter()
        producer.send(topic, key=str(i).encode(), value=b"x" * 1500)
        producer.flush()
        got = False
        while not got:
            for records in consumer.poll(100).values():
                got = got or bool(records)
        latencies.append(time.perf_counter() - sent)
        time.sleep(max(0.0, interval_s - (time.perf_counter() - sent)))
    producer.close()
    consumer.close()
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--rate", type=float, default=10, help="proposals per second")
    args = parser.parse_args()
    interval = 1 / args.rate
    print(f"machine: {os.cpu_count()} cores; database: SQLite; broker: local Tansu")
    with tempfile.TemporaryDirectory() as tmp, LocalBroker() as broker:
        config = StackConfig(
            var_dir=Path(tmp),
            admin_token="bench",
            ports={s: free_port() for s in SERVICES},
            broker_port=0,
            smtp_port=free_port(),
            kafka_bootstrap_servers=broker.bootstrap_servers,
            database_urls={s: f"sqlite:///{tmp}/{s}.db" for s in SERVICES},
        )
        stack = Stack(config).start()
        try:
            key = stack.create_demo_agency()
            url = f"{config.base_url('submission')}/v1/proposals"
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {key}"

            def one(address: str) -> float:
                body = {
                    **DEMO_PROPOSAL,
                    "innovators": [{"name": "B", "email": address, "phone": "081234567890"}],
                }
                started = time.perf_counter()
                assert session.post(url, json=body, timeout=10).status_code == 201
                while not any(address in m.rcpt_tos for m in read_mail(config.mail_dir)[-20:]):
                    time.sleep(0.002)
                return time.perf_counter() - started

            one("warmup@bench.example")  # the consumer groups form (~3 s) before we measure
            latencies = []
            for i in range(args.count):
                started = time.perf_counter()
                latencies.append(one(f"p{i}@bench.example"))
                time.sleep(max(0.0, interval - (time.perf_counter() - started)))
        finally:
            stack.stop()
        baseline = kafka_baseline(broker.bootstrap_servers, args.count, interval)
    print(summary("POST -> email accepted", latencies))
    print(summary("baseline: kafka send -> poll", baseline))
    print(
        f"ratio p50: {percentile(latencies, 50) / percentile(baseline, 50):.1f}x the bare Kafka trip"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
