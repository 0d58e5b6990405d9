"""The Python client of the submission API, generated from its OpenAPI document
(``docs/openapi/submission.json``) with ``openapi-python-client``, kept under
``clients/python/inagara_submission_client``.

Usage: ``python -m tools.client [--check]``. ``make docs`` regenerates it after the
document; ``--check`` (and ``tests/unit/test_python_client.py``) fails when the kept
client is not what the committed document generates.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess  # nosec B404
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "docs" / "openapi" / "submission.json"
PACKAGE = "inagara_submission_client"
TARGET = ROOT / "clients" / "python" / PACKAGE
JUNK = ["__pycache__", ".ruff_cache"]
CONFIG = "package_name_override: inagara_submission_client\n"


def generate(into: Path, document: Path = DOCUMENT) -> Path:
    """Generate the client package from ``document``; returns the package's folder."""
    bin_dir = Path(sys.executable).parent
    config = into / "config.yaml"
    config.write_text(CONFIG)
    # Its post-hooks (ruff --fix-only, ruff format) are this virtualenv's ruff.
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    # The generator installed in this virtualenv, with fixed arguments.
    subprocess.run(  # nosec B603
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--output-path",
            str(into / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        check=True,
        capture_output=True,
        env=env,
        cwd=into,
    )
    return into / PACKAGE


def differences(a: Path, b: Path) -> list[str]:
    """Files that differ between the two trees (added, removed or changed)."""
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(f"{prefix}{n}" for n in cmp.left_only + cmp.right_only + cmp.diff_files)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(a, b, ignore=JUNK), "")
    return sorted(found)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.client", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report a stale client")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = generate(Path(tmp))
        stale = differences(fresh, TARGET) if TARGET.exists() else ["(missing)"]
        if args.check:
            if stale:
                print(f"{TARGET} is stale ({', '.join(stale[:5])}): run `make docs`")
                return 1
            return 0
        if stale:
            shutil.rmtree(TARGET, ignore_errors=True)
            shutil.copytree(fresh, TARGET, ignore=shutil.ignore_patterns(*JUNK))
            print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
