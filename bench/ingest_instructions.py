"""CPU instructions per ingest request, counted by valgrind's callgrind: a figure that
stays put on a machine shared with other work, where throughput swings by half.

    python -m bench.ingest_instructions [--requests 200]

For the textbook service and ``POST /v1/proposals``, on SQLite, in process (Flask's
test client: no gunicorn, no sockets, one thread, so no group commit either): one
run with a few requests and one with ``--requests`` more; the difference divided by
``--requests`` is the cost of one request, start-up and warm-up cancelled out.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM = 20


def serve(app_name: str, url: str, count: int) -> None:
    """The measured process: ``count`` POSTs of the demo proposal."""
    from deploy.local.stack import DEMO_PROPOSAL

    body = json.dumps(DEMO_PROPOSAL)
    headers = {"Content-Type": "application/json"}
    os.environ["DATABASE_URL"] = url
    if app_name == "textbook":
        from bench import textbook_app

        app = textbook_app.create_app()
    else:
        from bench.ingest import agency_key

        headers["Authorization"] = f"Bearer {agency_key(url)}"
        os.environ.setdefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
        from services.submission.wsgi import create_app

        app = create_app()
    client = app.test_client()
    for _ in range(count):
        response = client.post("/v1/proposals", data=body, headers=headers)
        assert response.status_code == 201, response.data


def instructions(app_name: str, url: str, count: int) -> int:
    out = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "bench.ingest_instructions",
            "--serve",
            app_name,
            url,
            str(count),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    return int(re.search(r"Collected : (\d+)", out).group(1))  # type: ignore[union-attr]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], args.serve[1], int(args.serve[2]))
        return 0
    if not shutil.which("valgrind"):
        sys.exit("valgrind is needed: apt-get install valgrind")
    from bench import textbook_app
    from tools.migrate import migrate

    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        for app_name in ("textbook", "inagara"):
            per_run = []
            for count in (WARM, WARM + args.requests):
                url = f"sqlite:///{tmp}/{app_name}-{count}.db"
                migrate("submission", url)
                textbook_app.create_tables(url)
                per_run.append(instructions(app_name, url, count))
            figures[app_name] = (per_run[1] - per_run[0]) / args.requests
            print(f"{app_name:10s} {figures[app_name] / 1e6:8.2f} M instructions per request")
    print(f"Inagara / textbook (instructions) {figures['inagara'] / figures['textbook']:.2f}")
    print(json.dumps({k: round(v) for k, v in figures.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
