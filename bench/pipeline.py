"""Pipeline: proposals from accepted submission to the innovators' confirmation
email accepted by the SMTP server, on the local stack, on each broker in turn:
the local Tansu broker and one Apache Kafka 4.2.1 node (deploy/local/apache_kafka.py).

    python -m bench.pipeline [--count 10000] [--steady-rate 50] [--steady-seconds 20]
                             [--brokers tansu,kafka]

Three figures per broker, each printed with the machine it ran on:
- drain: ``--count`` proposals are accepted while the submission worker is
  stopped, then the worker starts and the clock runs until the last email;
  against the baseline of bare kafka-python producing and consuming the same
  number of records of the same size on the same broker.
- latency: at a steady ``--steady-rate`` proposals per second, from the 201 to
  the email's arrival at the SMTP server (p50, p99), drawn as a histogram.
- peak resident memory of every process of the stack, and of the broker;
  and the CPU each of them spent per proposal drained (``/proc``).
Targets (issue "Prove it"): drain >= 500 proposals/s on 2 cores; at 50/s p50 <
100 ms and p99 < 500 ms; every process under 150 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from kafka import KafkaConsumer, KafkaProducer

from bench.common import (
    CHARTS,
    chart,
    cpu_seconds,
    descendants,
    fmt_ms,
    machine,
    peak_rss_mb,
    percentile,
    process_name,
)
from deploy.local.apache_kafka import KafkaCluster
from deploy.local.mailcatcher import read_mail
from deploy.local.ports import free_port
from deploy.local.stack import DEMO_PROPOSAL, SERVICES, Stack, StackConfig
from deploy.local.tansu import LocalBroker
from shared.events.catalog import ALL_TOPICS
from shared.events.topics import ensure_topics


def emails(mail_dir: Path) -> int:
    return sum(1 for entry in os.scandir(mail_dir) if entry.name.endswith(".eml"))


def arrivals(mail_dir: Path) -> dict[str, float]:
    """Recipient → time the catcher accepted the message (from the file name, ns)."""
    return {
        mail.rcpt_tos[0]: int(mail.path.name.split("-")[0]) / 1e9 for mail in read_mail(mail_dir)
    }


def wait_for(count: int, mail_dir: Path, timeout_s: float) -> float:
    """Wait until ``count`` emails were caught; returns when the last one arrived
    (the catcher's clock, from the file name). Looks every 0.2 s: listing thousands
    of files takes CPU from what is being measured."""
    deadline = time.monotonic() + timeout_s
    while emails(mail_dir) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{emails(mail_dir)} of {count} emails after {timeout_s}s")
        time.sleep(0.2)
    return max(
        int(entry.name.split("-")[0]) / 1e9
        for entry in os.scandir(mail_dir)
        if entry.name.endswith(".eml")
    )


class Portal:
    """Posts proposals as an agency portal would, one innovator address each."""

    def __init__(self, base_url: str, key: str) -> None:
        self.url = f"{base_url}/v1/proposals"
        self.local = threading.local()
        self.key = key

    def post(self, address: str) -> float:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
            session.headers["Authorization"] = f"Bearer {self.key}"
        body = {
            **DEMO_PROPOSAL,
            "innovators": [{"name": "Bench", "email": address, "phone": "081234567890"}],
        }
        response = session.post(self.url, json=body, timeout=30)
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code}: {response.text[:200]}")
        return time.time()


def steady(portal: Portal, rate: float, seconds: float, run: str) -> dict[str, float]:
    """POST at ``rate`` per second for ``seconds``; returns address → time of the 201."""
    posted: dict[str, float] = {}
    interval = 1 / rate
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {}
        for n in range(int(rate * seconds)):
            time.sleep(max(0.0, start + n * interval - time.monotonic()))
            address = f"s{n}-{run}@bench.example"
            futures[address] = pool.submit(portal.post, address)
        for address, future in futures.items():
            posted[address] = future.result()
    return posted


def kafka_baseline(bootstrap: str, count: int, size: int) -> float:
    """Records per second for bare kafka-python: produce ``count`` (acks=all) and consume them."""
    topic = f"bench.baseline.{uuid.uuid4().hex[:6]}"
    ensure_topics(bootstrap, [topic], partitions=6)
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"baseline-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=1000,
        fetch_max_wait_ms=50,
        enable_auto_commit=False,
    )
    while not consumer.assignment():
        consumer.poll(100)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, batch_size=65536)
    value = b"x" * size
    started = time.perf_counter()
    for n in range(count):
        producer.send(topic, key=str(n).encode(), value=value)
    producer.flush()
    seen = 0
    while seen < count:
        for records in consumer.poll(200).values():
            seen += len(records)
        consumer.commit()
    elapsed = time.perf_counter() - started
    producer.close()
    consumer.close()
    return count / elapsed


def py_spy() -> str:
    """py-spy from the bench extra (beside this interpreter), else on the PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if not found:
        sys.exit("py-spy is needed for --flame: pip install -e '.[bench]'")
    return found


def is_python(pid: int) -> bool:
    try:
        return b"python" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False


@contextlib.contextmanager
def flame_graphs(stack: Stack, folder: Path | None, label: str) -> Iterator[None]:
    """While the block runs: py-spy samples every Python process of the stack (its web
    servers, workers and the SMTP catcher), and writes one flame graph per process to
    ``folder`` when the block ends (the broker is not Python: its share is its CPU)."""
    if folder is None:
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    recorders = []
    for name, process in stack.processes.items():
        for pid in descendants(process.pid):
            if not is_python(pid):
                continue
            out = folder / f"{label}-{name}-{pid}.svg"
            recorders.append(
                subprocess.Popen(
                    [
                        py_spy(),
                        "record",
                        "--pid",
                        str(pid),
                        "--rate",
                        "50",
                        "--nonblocking",
                        "--output",
                        str(out),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
    try:
        yield
    finally:
        for recorder in recorders:
            recorder.send_signal(signal.SIGINT)  # py-spy writes the graph on SIGINT
        for recorder in recorders:
            recorder.wait(60)
        for graph in folder.glob(f"{label}-*.svg"):
            if b"samples" not in graph.read_bytes():  # idle all along (a spare web worker)
                graph.unlink()
        print(f"flame graphs: {len(list(folder.glob(f'{label}-*.svg')))} in {folder}")


def cpu_used(stack: Stack, broker: int | None) -> dict[str, float]:
    """CPU seconds used so far by each process of the stack (with its children) and by
    the broker."""
    used = {
        name: sum(cpu_seconds(pid) for pid in descendants(process.pid))
        for name, process in stack.processes.items()
    }
    if broker:
        used["broker"] = cpu_seconds(broker)
    return used


def memory(stack: Stack) -> list[tuple[str, float]]:
    peaks = []
    for name, process in stack.processes.items():
        for pid in descendants(process.pid):
            peaks.append((f"{name} ({process_name(pid)}, pid {pid})", peak_rss_mb(pid)))
    return peaks


BROKERS = {"tansu": "local Tansu", "kafka": "Apache Kafka 4.2.1, one node"}


@contextlib.contextmanager
def started_broker(kind: str, folder: Path) -> Iterator[tuple[str, int | None]]:
    """The broker of ``kind`` on free ports: its bootstrap servers and process id."""
    if kind == "kafka":
        with KafkaCluster(nodes=1, log_dir=folder / "kafka") as cluster:
            yield cluster.bootstrap_servers, cluster.nodes[0].pid
    else:
        with LocalBroker() as broker:
            yield broker.bootstrap_servers, broker.pid


@dataclass(frozen=True)
class Run:
    broker: str
    latencies: list[float]
    drain_rate: float
    accept_rate: float
    baseline: float
    peaks: list[tuple[str, float]]
    # ms of CPU per proposal drained, by process (the restarted submission worker's
    # start-up included)
    cpu: list[tuple[str, float]]


def measure(kind: str, args: argparse.Namespace, run: str) -> Run:
    """The whole stack on a broker of ``kind``: latency at the steady rate, the drain,
    peak memory; then the bare kafka-python baseline on the same broker."""
    with tempfile.TemporaryDirectory() as tmp, started_broker(kind, Path(tmp)) as (servers, pid):
        ensure_topics(servers, ALL_TOPICS)
        config = StackConfig(
            var_dir=Path(tmp),
            admin_token="bench",
            ports={s: free_port() for s in SERVICES},
            broker_port=0,
            smtp_port=free_port(),
            kafka_bootstrap_servers=servers,
            database_urls={s: f"sqlite:///{tmp}/{s}.db" for s in SERVICES},
            extra_env={"EMAIL_RATE_PER_S": "0", "LOG_LEVEL": "WARNING"},
        )
        stack = Stack(config).start()
        try:
            portal = Portal(config.base_url("submission"), stack.create_demo_agency())
            portal.post(f"warmup-{run}@bench.example")
            wait_for(1, config.mail_dir, 60)

            posted = steady(portal, args.steady_rate, args.steady_seconds, run)
            wait_for(1 + len(posted), config.mail_dir, 120)
            arrived = arrivals(config.mail_dir)
            latencies = [arrived[a] - t for a, t in posted.items()]

            stack.kill("submission-worker", signal.SIGTERM)
            before = emails(config.mail_dir)
            t0 = time.monotonic()
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(
                    pool.map(portal.post, (f"d{n}-{run}@bench.example" for n in range(args.count)))
                )
            accept_rate = args.count / (time.monotonic() - t0)
            started = time.time()
            stack.restart("submission-worker")
            cpu_before = cpu_used(stack, pid)
            with flame_graphs(stack, args.flame, f"{kind}-drain"):
                finished = wait_for(before + args.count, config.mail_dir, 900)
            drain_rate = args.count / (finished - started)
            cpu_after = cpu_used(stack, pid)
            cpu = [
                (name, (spent - cpu_before.get(name, 0.0)) * 1000 / args.count)
                for name, spent in cpu_after.items()
            ]
            peaks = memory(stack)
            if pid:
                peaks.append((f"broker ({process_name(pid)}, pid {pid})", peak_rss_mb(pid)))
        finally:
            stack.stop()
        baseline = kafka_baseline(servers, args.count, len(json.dumps(DEMO_PROPOSAL)))
    return Run(kind, latencies, drain_rate, accept_rate, baseline, peaks, cpu)


def show(result: Run, args: argparse.Namespace) -> None:
    latencies, drain_rate = result.latencies, result.drain_rate
    print(f"\n== broker: {BROKERS[result.broker]}")
    print(
        f"steady {args.steady_rate:.0f}/s for {args.steady_seconds:.0f} s, 201 -> email accepted: {fmt_ms(latencies)}"
    )
    print(
        f"  targets p50 < 100 ms: {'met' if percentile(latencies, 50) < 0.1 else 'NOT met'}; p99 < 500 ms: {'met' if percentile(latencies, 99) < 0.5 else 'NOT met'}"
    )
    print(
        f"drain of {args.count} accepted proposals: {drain_rate:.0f} proposals/s (target >= 500: {'met' if drain_rate >= 500 else 'NOT met'})"
    )
    print(
        f"  baseline, bare kafka-python produce+consume of {args.count} records on the same broker: {result.baseline:.0f} records/s; ratio {drain_rate / result.baseline:.3f}"
    )
    print(f"  (the API accepted them at {result.accept_rate:.0f}/s meanwhile)")
    total = sum(ms for _, ms in result.cpu)
    print(f"CPU per proposal drained: {total:.2f} ms in all, by process:")
    for name, ms in sorted(result.cpu, key=lambda p: -p[1]):
        print(f"  {ms:6.2f} ms  {name}")
    stack_peaks = [p for p in result.peaks if not p[0].startswith("broker")]
    worst = max(stack_peaks, key=lambda p: p[1])
    print(
        f"peak RSS: largest {worst[1]:.0f} MB ({worst[0]}); target every process < 150 MB: {'met' if worst[1] < 150 else 'NOT met'}"
    )
    for name, mb in sorted(result.peaks, key=lambda p: -p[1]):
        print(f"  {mb:6.1f} MB  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--steady-rate", type=float, default=50)
    parser.add_argument("--steady-seconds", type=float, default=20)
    parser.add_argument(
        "--brokers", default=",".join(BROKERS), help="comma-separated: tansu, kafka (both)"
    )
    parser.add_argument(
        "--flame",
        type=Path,
        help="write a flame graph (py-spy) of each stack process during the drain into this "
        "folder; sampling costs a little CPU, so take the drain figure from a run without it",
    )
    args = parser.parse_args()
    kinds = [k for k in args.brokers.split(",") if k]
    if unknown := [k for k in kinds if k not in BROKERS]:
        parser.error(f"unknown broker {unknown}: one of {', '.join(BROKERS)}")
    run = uuid.uuid4().hex[:6]
    print(f"machine: {machine()}; database: SQLite; SMTP: aiosmtpd catcher")
    print(f"brokers: {', '.join(BROKERS[k] for k in kinds)}")
    results = [measure(kind, args, run) for kind in kinds]
    for result in results:
        show(result, args)

    def histogram(axes: Any) -> None:
        for result, colour in zip(results, ("#2c7fb8", "#d95f0e"), strict=False):
            axes.hist(
                [x * 1000 for x in result.latencies],
                bins=40,
                alpha=0.6,
                color=colour,
                label=f"{BROKERS[result.broker]} (p50 {percentile(result.latencies, 50) * 1000:.0f} ms)",
            )
        axes.set_xlabel("201 → email accepted (ms)")
        axes.set_ylabel("proposals")
        axes.legend()

    png = chart(
        CHARTS / "pipeline-latency.png",
        f"Latency at {args.steady_rate:.0f} proposals/s ({machine().split(',')[0]})",
        histogram,
    )
    print(f"chart: {png}")
    summary = {
        "machine": machine(),
        "steady_rate": args.steady_rate,
        "brokers": {
            r.broker: {
                "latency_p50_ms": round(percentile(r.latencies, 50) * 1000, 1),
                "latency_p99_ms": round(percentile(r.latencies, 99) * 1000, 1),
                "drain_per_s": round(r.drain_rate),
                "baseline_per_s": round(r.baseline),
                "accept_per_s": round(r.accept_rate),
                "peak_rss_mb": dict(
                    (name, round(mb, 1)) for name, mb in r.peaks if name.startswith("broker")
                )
                or None,
            }
            for r in results
        },
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
