"""The fault and crash tests on a machine whose CPU is deliberately taken.

    python -m deploy.local.contended [--runs 10] [--cpu 2] [TEST ...]

A sender starved of CPU is where a claim runs out before its hand-over and a
second sender takes the delivery; on an idle machine that almost never
happens. This holds every core with Debian's ``stress-ng --cpu N`` (installed
with apt-get when missing and run as root) for as long as it runs, and runs
the tests (by default the notification worker crash test and ``tests/faults/``)
that many times in a row, stopping at the first failure. One line per run:
pass or fail, how long it took, and the tallies the tests print (``tally
<test>: duplicates=... lost=...``). Each run's whole output and its pytest
temporary directory (the services' databases, the worker logs) are kept under
``test-artifacts/contended/run-<n>``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_TESTS = ("tests/e2e/test_notification_worker_crash.py", "tests/faults")
ARTIFACTS = Path("test-artifacts/contended")
TALLY = re.compile(r"^tally (?P<test>\S+): (?P<counts>.*)$", re.MULTILINE)
OUTCOME = re.compile(r"^=+ (?P<summary>.*\d+ (passed|failed|error).*) =+$", re.MULTILINE)


def ensure_stress_ng() -> str:
    """The path of stress-ng; installs Debian's package when missing and run as root."""
    found = shutil.which("stress-ng")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit("contended: stress-ng is not installed; as root: apt-get install -y stress-ng")
    print("contended: installing Debian's stress-ng", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", "stress-ng"]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(install, env=env, check=True)
    found = shutil.which("stress-ng")
    if not found:
        sys.exit("contended: stress-ng still not found after apt-get install")
    return found


def start_stress(stress_ng: str, cpus: int) -> subprocess.Popen[bytes]:
    """``stress-ng --cpu N`` in a process group of its own (stopped with it at the end).

    In this session, not a new one: with the kernel's autogroup scheduling (the
    default on desktop and many server kernels) a new session is a scheduling
    group of its own, which would get only its fair share against the tests'
    session, however many workers it ran: half the contention asked for.
    """
    stress = subprocess.Popen(
        [stress_ng, "--cpu", str(cpus), "--timeout", "0", "--quiet"],
        process_group=0,
    )
    time.sleep(0.5)
    if stress.poll() is not None:
        sys.exit(f"contended: stress-ng exited at once ({stress.returncode})")
    return stress


def stop_stress(stress: subprocess.Popen[bytes]) -> None:
    if stress.poll() is None:
        os.killpg(stress.pid, signal.SIGTERM)
        try:
            stress.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(stress.pid, signal.SIGKILL)
            stress.wait()


def run_once(number: int, tests: list[str]) -> tuple[bool, float, str, Path]:
    """One pytest run of ``tests``: passed, seconds, its tallies and its log."""
    directory = ARTIFACTS / f"run-{number}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    log = directory / "pytest.log"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-s",  # the tallies are printed by the tests
        "-x",
        f"--basetemp={directory / 'tmp'}",
        *tests,
    ]
    started = time.monotonic()
    with log.open("wb") as out:
        code = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    took = time.monotonic() - started
    text = log.read_text(errors="replace")
    tallies = "; ".join(f"{m['test']}: {m['counts']}" for m in TALLY.finditer(text))
    summary = OUTCOME.findall(text)
    detail = tallies or (summary[-1][0] if summary else "no tallies printed")
    return code.returncode == 0, took, detail, log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs in a row (default 10)")
    parser.add_argument("--cpu", type=int, default=os.cpu_count() or 2, help="stress-ng workers")
    parser.add_argument("tests", nargs="*", default=list(DEFAULT_TESTS))
    args = parser.parse_args(argv)
    stress = start_stress(ensure_stress_ng(), args.cpu)
    print(
        f"contended: stress-ng --cpu {args.cpu} holding the CPU; {args.runs} runs of "
        + " ".join(args.tests),
        flush=True,
    )
    passed = 0
    try:
        for number in range(1, args.runs + 1):
            if stress.poll() is not None:
                print(f"contended: stress-ng stopped ({stress.returncode}); not contended any more")
                return 1
            ok, took, detail, log = run_once(number, args.tests)
            print(
                f"run {number}/{args.runs} {'pass' if ok else 'FAIL'} {took:.0f}s  {detail}",
                flush=True,
            )
            if not ok:
                print(f"contended: run {number} failed; its output: {log}")
                return 1
            passed += 1
    finally:
        stop_stress(stress)
    print(f"contended: {passed} runs in a row passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
