"""Ingest: `POST /v1/proposals` under gunicorn against two baselines under the same
gunicorn settings: a bare Flask endpoint returning a body of the same size, and the
textbook ingest service a team would write on its first day (`bench/textbook_app.py`).

    python -m bench.ingest [--seconds 10] [--connections 16] [--out results.json]

Load comes from wrk (a separate process; Debian's package, installed here when
missing and running as root). For each database (SQLite, and PostgreSQL when
BENCH_DATABASE_URL or TEST_DATABASE_URL names a server): the maximum
throughput of both, then the submission API paced at 70% of its maximum for
its p99 latency. Targets: throughput at least 1.5 times the textbook service's
(issue 18); p99 under 50 ms at 70% of the maximum.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench import textbook_app
from bench.common import descendants
from deploy.local.ports import free_port
from deploy.local.stack import DEMO_PROPOSAL
from shared.platform.db import make_engine
from tools.migrate import migrate

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "wrk" / "post.lua"
GUNICORN = ["--worker-class", "gthread", "--threads", "4", "--workers", "2"]


@dataclass(frozen=True)
class Run:
    requests: int
    seconds: float
    errors: int
    non2xx: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=False, capture_output=True)
        found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is needed for the load: apt-get install wrk")
    return found


def wait_http(url: str, timeout_s: float = 120, accept_404: bool = False) -> None:
    """Block until ``url`` answers (a 404 counts when ``accept_404``: the server is up)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError as exc:
            if accept_404 and exc.code == 404:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(url)


def gunicorn(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *GUNICORN, "--bind", f"127.0.0.1:{port}", app],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wrk(
    url: str, body_file: Path, key: str, seconds: int, connections: int, delay_ms: float = 0
) -> Run:
    out = subprocess.run(
        [
            ensure_wrk(),
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(LUA),
            url,
        ],
        env={**os.environ, "BODY_FILE": str(body_file), "KEY": key, "DELAY_MS": str(delay_ms)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = dict(re.findall(r"(\w+)=(\d+)", out.split("RESULT", 1)[1]))
    return Run(
        requests=int(figures["requests"]),
        seconds=int(figures["duration_us"]) / 1e6,
        errors=int(figures["errors"]),
        non2xx=int(figures["non2xx"]),
        p50_ms=int(figures["p50_us"]) / 1000,
        p99_ms=int(figures["p99_us"]) / 1000,
        max_ms=int(figures["max_us"]) / 1000,
    )


def cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """CPU time (user + system) of a gunicorn master and its workers so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in descendants(process.pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def measured(
    process: subprocess.Popen[bytes],
    url: str,
    body_file: Path,
    key: str,
    seconds: int,
    connections: int,
) -> tuple[Run, float]:
    """The maximum throughput, and the service's CPU milliseconds per request meanwhile
    (steadier than throughput on a machine shared with other work)."""
    before = cpu_seconds(process)
    run = wrk(url, body_file, key, seconds, connections)
    return run, (cpu_seconds(process) - before) * 1000 / max(1, run.requests)


def agency_key(database_url: str) -> str:
    from services.submission import store

    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            agency = store.create_agency(conn, f"B{uuid.uuid4().hex[:6]}", "Bench agency", "dinas")
            return store.add_api_key(conn, agency.id).secret
    finally:
        engine.dispose()


def database_urls(tmp: Path) -> dict[str, str]:
    urls = {"SQLite": f"sqlite:///{tmp}/submission.db"}
    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if server:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        from shared.platform.db import normalise_url

        name = f"inagara_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        urls["PostgreSQL"] = (
            make_url(normalise_url(server)).set(database=name).render_as_string(hide_password=False)
        )
    return urls


def bench_database(
    label: str, url: str, body_file: Path, seconds: int, connections: int
) -> dict[str, object]:
    migrate("submission", url)
    textbook_app.create_tables(url)
    key = agency_key(url)
    api_port, bare_port, textbook_port = free_port(), free_port(), free_port()
    env = {
        "DATABASE_URL": url,
        "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
        "INAGARA_ADMIN_TOKEN": "bench",
    }
    body_size = 1500  # about what POST /v1/proposals answers for the demo proposal
    api = gunicorn("services.submission.wsgi:create_app()", api_port, env)
    bare = gunicorn("bench.bare_app:create_app()", bare_port, {"BARE_BODY_BYTES": str(body_size)})
    textbook = gunicorn("bench.textbook_app:create_app()", textbook_port, {"DATABASE_URL": url})
    try:
        wait_http(f"http://127.0.0.1:{api_port}/healthz")
        for port in (bare_port, textbook_port):
            wait_http(f"http://127.0.0.1:{port}/healthz", accept_404=True)
        api_url, bare_url, textbook_url = (
            f"http://127.0.0.1:{p}/v1/proposals" for p in (api_port, bare_port, textbook_port)
        )
        wrk(api_url, body_file, key, 2, connections)  # warm-up
        wrk(textbook_url, body_file, key, 2, connections)
        bare_max, bare_cpu = measured(bare, bare_url, body_file, key, seconds, connections)
        textbook_max, textbook_cpu = measured(
            textbook, textbook_url, body_file, key, seconds, connections
        )
        api_max, api_cpu = measured(api, api_url, body_file, key, seconds, connections)
        # Pace to 70% of the maximum. Each connection sends, waits for the answer,
        # then sleeps: rate = connections / (latency + delay). Calibrate the delay
        # with a short run, since latency itself depends on the rate.
        target = 0.7 * api_max.rate
        delay = connections * 1000 / target
        probe = wrk(api_url, body_file, key, 3, connections, delay_ms=delay)
        latency_ms = connections * 1000 / probe.rate - delay
        delay = max(0.0, connections * 1000 / target - latency_ms)
        paced = wrk(api_url, body_file, key, seconds, connections, delay_ms=delay)
    finally:
        for process in (api, bare, textbook):
            process.terminate()
            process.wait(20)
    refused = {
        name: run.errors + run.non2xx
        for name, run in (("textbook", textbook_max), ("POST /v1/proposals", api_max))
        if run.errors + run.non2xx > run.requests // 100
    }
    if refused:  # a peer that refuses the body is fast at the wrong thing
        raise SystemExit(f"[{label}] not a valid run, requests failed: {refused}")
    ratio = api_max.rate / bare_max.rate
    peer = api_max.rate / textbook_max.rate
    print(
        f"\n[{label}]\n"
        f"  bare endpoint           {bare_max.rate:8.0f} req/s   p50 {bare_max.p50_ms:6.1f} ms  p99 {bare_max.p99_ms:6.1f} ms"
        f"   CPU {bare_cpu:5.2f} ms/req\n"
        f"  textbook ingest         {textbook_max.rate:8.0f} req/s   p50 {textbook_max.p50_ms:6.1f} ms  p99 {textbook_max.p99_ms:6.1f} ms"
        f"   CPU {textbook_cpu:5.2f} ms/req   errors {textbook_max.errors + textbook_max.non2xx}\n"
        f"  POST /v1/proposals      {api_max.rate:8.0f} req/s   p50 {api_max.p50_ms:6.1f} ms  p99 {api_max.p99_ms:6.1f} ms"
        f"   CPU {api_cpu:5.2f} ms/req   errors {api_max.errors + api_max.non2xx}\n"
        f"  Inagara / textbook      {peer:8.2f}   (target >= 1.5: {'met' if peer >= 1.5 else 'NOT met'})\n"
        f"  Inagara / bare          {ratio:8.2f}\n"
        f"  at 70% ({paced.rate:5.0f} req/s)   p50 {paced.p50_ms:6.1f} ms  p99 {paced.p99_ms:6.1f} ms"
        f"   (target p99 < 50 ms: {'met' if paced.p99_ms < 50 else 'NOT met'})"
    )
    return {
        "database": label,
        "bare_rps": round(bare_max.rate),
        "textbook_rps": round(textbook_max.rate),
        "api_rps": round(api_max.rate),
        "ratio": round(ratio, 3),
        "textbook_ratio": round(peer, 3),
        "textbook_errors": textbook_max.errors + textbook_max.non2xx,
        "cpu_ms_per_request": {
            "bare": round(bare_cpu, 3),
            "textbook": round(textbook_cpu, 3),
            "api": round(api_cpu, 3),
        },
        "paced_rps": round(paced.rate),
        "paced_p50_ms": paced.p50_ms,
        "paced_p99_ms": paced.p99_ms,
        "errors": api_max.errors + api_max.non2xx + paced.errors + paced.non2xx,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--out", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    ensure_wrk()
    print(
        f"machine: {os.cpu_count()} cores, {platform.platform()}; load: wrk -t2 -c{args.connections}; gunicorn {' '.join(GUNICORN)}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        body_file = Path(tmp) / "body.json"
        body_file.write_text(json.dumps(DEMO_PROPOSAL))
        results = [
            bench_database(label, url, body_file, args.seconds, args.connections)
            for label, url in database_urls(Path(tmp)).items()
        ]
    print("\n" + json.dumps(results))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
