"""A rolling upgrade of one service under a steady 20 proposals a second.

The service starts on its last release (tools/release_env.py), the other two on the
current code. While a portal posts 20 proposals a second, each of the service's
processes is replaced by the current code one at a time, as the Kubernetes
Deployments do it (maxSurge 1, maxUnavailable 0): the new process starts and is
ready (gunicorn on the same port with SO_REUSEPORT; a worker holding partitions of
its group), then the old one gets SIGTERM and exits on its own. Then: every proposal
answered 201 (no 5xx; a connection reset is retried with the same Idempotency-Key
and counted), every innovator got exactly one email and one SMS, and the longest
201 -> email delay is printed.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from deploy.local.mailcatcher import read_mail
from deploy.local.ports import free_port
from deploy.local.smsgateway import read_sms
from deploy.local.stack import _holds_partitions
from shared.platform.migrations import migrate
from tests.conftest import DatabaseFactory, _backends
from tests.faults.support import eventually, prepare_review, proposal_body
from tests.releases.support import MixedStack, dead_letters, mixed_stack
from tools.services import by_name

# Each case once, on the run's last database backend: PostgreSQL (as in production) when
# TEST_DATABASE_URL names a server, else SQLite.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.parametrize("database_factory", _backends()[-1:], indirect=True),
]
RATE_PER_S = 20
WARM_UP_S = 5  # load before the first replacement, and after the last
REUSE_PORT = "--reuse-port"
# Which services to roll: the submission service by default (its web is what the portal
# sees), any others with INAGARA_ROLLING_SERVICES=submission,review,notification.
ROLLED = os.environ.get("INAGARA_ROLLING_SERVICES", "submission").split(",")
# INAGARA_ROLLING_BASELINE=<seconds> adds a run with the same load for that long and no
# upgrade (every process current): the delays the machine gives without one.
BASELINE_S = float(os.environ.get("INAGARA_ROLLING_BASELINE") or 0)
NO_UPGRADE = "no-upgrade"


@dataclass
class Posted:
    email: str
    phone: str
    answered_at: float = 0.0
    status: int = 0
    retries: int = 0  # connection errors retried with the same Idempotency-Key


class Portal:
    """Posts ``RATE_PER_S`` proposals a second from a pool until stopped."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url, self.key = base_url, key
        self.posted: list[Posted] = []
        self.stop = threading.Event()
        self._local = threading.local()
        self._run = uuid.uuid4().hex[:6]

    def one(self, n: int) -> None:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        body = proposal_body(self._run, n)
        innovator = body["innovators"][0]
        posted = Posted(innovator["email"], "+62" + innovator["phone"][1:])
        self.posted.append(posted)
        headers = {"Authorization": f"Bearer {self.key}", "Idempotency-Key": str(uuid.uuid4())}
        while True:
            try:
                response = self._local.session.post(
                    f"{self.base_url}/v1/proposals", json=body, headers=headers, timeout=30
                )
                break
            except requests.ConnectionError:
                posted.retries += 1
                self._local.session = requests.Session()
                time.sleep(0.05)
        posted.status, posted.answered_at = response.status_code, time.time()

    def run(self) -> None:
        with ThreadPoolExecutor(16) as pool:
            started, n = time.monotonic(), 0
            while not self.stop.is_set():
                pool.submit(self.one, n)
                n += 1
                time.sleep(max(0.0, started + n / RATE_PER_S - time.monotonic()))


def children(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


def new_web(stack: MixedStack, service: str) -> str:
    """Start the current code's gunicorn beside the old one, on the same port: its
    master binds at once (connections queue for it), its worker forks, then builds the app."""
    name = f"{service}-web-new"
    stack._spawn(name, stack._web_command(service), stack.web_env(service))
    pid = stack.processes[name].pid
    eventually(lambda: children(pid), 60, f"{name}'s gunicorn worker")
    time.sleep(3)  # the app built (create_app runs in the worker, after the fork)
    assert stack.processes[name].poll() is None, f"{name} exited"
    return name


def new_worker(stack: MixedStack, service: str) -> str:
    """Start the current code's worker beside the old one, and wait until it holds
    partitions of the group (the group rebalanced over both)."""
    port = free_port()
    name = f"{service}-worker-new"
    env = {**stack.worker_env(service), "METRICS_PORT": str(port)}
    stack._spawn(name, stack.worker_command(service), env)

    def holds() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
                return _holds_partitions(r.read().decode())
        except OSError:
            return False

    eventually(holds, 60, f"{name} holding partitions")
    return name


def retire(stack: MixedStack, name: str) -> float:
    """SIGTERM and wait for the process to exit by itself; how long it took."""
    started = time.monotonic()
    stack.processes[name].send_signal(signal.SIGTERM)
    stack.processes[name].wait(60)
    return time.monotonic() - started


@pytest.mark.parametrize("service", ROLLED + ([NO_UPGRADE] if BASELINE_S else []))
def test_a_service_is_upgraded_process_by_process_under_load(
    service: str, tmp_path: Path, kafka_bootstrap: str, database_factory: DatabaseFactory
) -> None:
    # Every gunicorn binds with SO_REUSEPORT, so that a successor can start first.
    before = dead_letters(kafka_bootstrap)
    old = () if service == NO_UPGRADE else (service,)
    stack = mixed_stack(tmp_path, kafka_bootstrap, old, database_factory, (REUSE_PORT,))
    stack.start()
    try:
        key = stack.create_demo_agency()
        prepare_review(stack, reviewers_per_proposal=1)
        portal = Portal(stack.config.base_url("submission"), key)
        load = threading.Thread(target=portal.run)
        load.start()
        steps = []
        try:
            time.sleep(WARM_UP_S)
            if service == NO_UPGRADE:
                time.sleep(BASELINE_S)
            else:
                del stack.old[service]  # what starts from now on is the current code
                # The release's migration Job first: its steps are expand-only (backward
                # compatible), so the old processes keep working on the migrated database.
                migrate(by_name(service).schema, stack.config.database_urls[service])
                new_web(stack, service)
                steps.append(f"web {retire(stack, f'{service}-web'):.1f}s")
                new_worker(stack, service)
                steps.append(f"worker {retire(stack, f'{service}-worker'):.1f}s")
            time.sleep(WARM_UP_S)
        finally:
            portal.stop.set()
            load.join(120)
        posted = list(portal.posted)
        errors = [p.status for p in posted if p.status != 201]
        assert errors == [], f"not 201: {sorted(set(errors))}"

        def delivered() -> bool:
            mails = {r for m in read_mail(stack.config.mail_dir) for r in m.rcpt_tos}
            texts = {s.to for s in read_sms(stack.config.sms_dir)}
            return all(p.email in mails and p.phone in texts for p in posted)

        eventually(delivered, 180, "every innovator's email and SMS")
        time.sleep(2)  # a late duplicate would show here
        first_mail: dict[str, float] = {}
        mail_counts: dict[str, int] = {}
        for m in read_mail(stack.config.mail_dir):
            at = int(m.path.name.split("-", 1)[0]) / 1e9
            for r in m.rcpt_tos:
                mail_counts[r] = mail_counts.get(r, 0) + 1
                first_mail[r] = min(first_mail.get(r, at), at)
        sms_counts: dict[str, int] = {}
        for s in read_sms(stack.config.sms_dir):
            sms_counts[s.to] = sms_counts.get(s.to, 0) + 1
        lost = [p for p in posted if p.email not in first_mail or p.phone not in sms_counts]
        duplicates = [p for p in posted if mail_counts[p.email] > 1 or sms_counts[p.phone] > 1]
        delays = sorted(first_mail[p.email] - p.answered_at for p in posted)
        retried = sum(p.retries for p in posted)
        print(
            f"\nrolling upgrade of {service}: {len(posted)} proposals at {RATE_PER_S}/s, "
            f"replaced {', '.join(steps) or 'nothing'} (SIGTERM to exit); lost {len(lost)}, "
            f"duplicates {len(duplicates)}, non-201 {len(errors)}, connection retries "
            f"{retried}; 201->email p50 {delays[len(delays) // 2]:.2f}s, "
            f"p95 {delays[int(len(delays) * 0.95)]:.2f}s, longest {delays[-1]:.2f}s"
        )
        assert lost == [] and duplicates == []
        assert dead_letters(kafka_bootstrap) == before, "nothing in a dead-letter topic"
        retired = {f"{service}-web", f"{service}-worker"}
        assert [name for name in stack.failed() if name not in retired] == []
    finally:
        stack.stop()
