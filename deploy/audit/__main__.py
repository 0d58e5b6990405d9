"""Audit the packages installed in this environment against PyPI's vulnerability feed.

    python -m deploy.audit [--ignore-file deploy/audit/ignore.txt]

The packages are what ``pip freeze --exclude-editable`` lists, less this project;
the policy (what fails, what is only reported) is in deploy/audit/policy.py.
Exits 0 when the audit passes, 1 when it fails, 2 when it cannot start.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

from deploy.audit.feed import PyPIJson
from deploy.audit.policy import assess, judge, parse_freeze, parse_ignores, runtime_names
from deploy.audit.report import render

PROJECT = "inagara"
IGNORE_FILE = Path(__file__).with_name("ignore.txt")


def installed() -> str:
    """``pip freeze`` of this interpreter. Blocks on pip; raises CalledProcessError if it fails."""
    command = [sys.executable, "-m", "pip", "freeze", "--exclude-editable"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def requires(name: str) -> Iterable[str] | None:
    try:
        return metadata.requires(name) or []
    except metadata.PackageNotFoundError:
        return None


def _shown(path: Path) -> str:
    return str(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.audit", description=__doc__)
    parser.add_argument("--ignore-file", type=Path, default=IGNORE_FILE)
    parser.add_argument("--workers", type=int, default=16, help="concurrent requests to PyPI")
    args = parser.parse_args(argv)
    try:
        ignores = parse_ignores(args.ignore_file.read_text(encoding="utf-8"))
        runtime = runtime_names(PROJECT, requires)
    except (OSError, ValueError, LookupError) as error:
        print(f"audit cannot start: {error}", file=sys.stderr)
        return 2
    packages = parse_freeze(installed(), PROJECT)
    fetch = PyPIJson()
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        assessments = list(pool.map(lambda package: assess(package, fetch), packages))
    verdict = judge(assessments, runtime, ignores)
    print(render(verdict, _shown(args.ignore_file)))
    return 0 if verdict.passed else 1


if __name__ == "__main__":
    sys.exit(main())
