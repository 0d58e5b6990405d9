"""What each service's image installs: ``python -m tools.images``.

Builds the wheel set an image installs (the service's and the backbone's wheels
and their dependencies, ``pip wheel`` into a temporary folder, as
deploy/Dockerfile does), installs each service into a fresh venv from those
wheels only, and prints per service the number of installed distributions and
their size on disk. Needs the package index (or pip's cache) for the dependencies.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.services import NAMES

ROOT = Path(__file__).resolve().parents[1]
SERVICES = NAMES


def run(*command: str | Path) -> str:
    return subprocess.run(
        [str(part) for part in command], check=True, capture_output=True, text=True
    ).stdout


def size_of(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def measure(service: str, work: Path) -> dict[str, object]:
    """Build ``service``'s wheel set and install it into a new venv; blocks on pip."""
    wheels = work / f"{service}-wheels"
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "-w", wheels,
        ROOT / "shared", ROOT / "services" / service)  # fmt: skip
    venv = work / f"{service}-venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(
        run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    )
    run(sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", wheels,
        "--target", site, f"inagara-{service}")  # fmt: skip
    installed = json.loads(
        run(sys.executable, "-m", "pip", "list", "--format=json", "--path", site)
    )
    run(python, "-c", f"import services.{service}.app, services.{service}.worker")
    return {
        "service": service,
        "packages": len(installed),
        "bytes": size_of(site),
        "names": sorted(p["name"] for p in installed),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.images", description=__doc__.split("\n")[0]
    )
    parser.add_argument("service", nargs="*", help=f"some of {', '.join(SERVICES)} (default: all)")
    parser.add_argument("--names", action="store_true", help="list the installed distributions")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="inagara-images-") as work:
        for service in args.service or SERVICES:
            if service not in SERVICES:
                parser.error(f"unknown service {service!r}")
            found = measure(service, Path(work))
            print(
                f"{service:<13} {found['packages']:>3} distributions  "
                f"{int(found['bytes']) / 1_048_576:6.1f} MiB installed"
            )
            if args.names:
                print("   ", ", ".join(found["names"]))  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
