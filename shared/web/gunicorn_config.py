"""gunicorn settings for every web process: ``gunicorn -c python:shared.web.gunicorn_config``.

Prometheus multiprocess mode done right: the samples folder is emptied when
the master starts and a dead worker's live gauges are dropped.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

from gunicorn import util
from prometheus_client import multiprocess

from shared.platform.problem_codes import problem_body

worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
graceful_timeout = 20
timeout = 30
# Never preload: each worker builds its own engine after the fork (DESIGN: Runtime).
preload_app = False

# JSON lines for gunicorn's own log and the app's, like the workers write.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "shared.platform.logs.JsonFormatter",
            "service": os.environ.get("INAGARA_SERVICE", "web"),
        }
    },
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "INFO").upper()},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "kafka": {"level": "WARNING"},
    },
}


def write_problem(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """What gunicorn answers itself (a request line over 4094 bytes: 414; too many or too
    large headers: 431; a request it cannot parse: 400), as problem+json like every
    other error of ours rather than gunicorn's HTML page."""
    body = json.dumps(problem_body(status_int, reason, mesg)).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


# gunicorn's workers call util.write_error for the answers they make themselves.
util.write_error = write_problem


def on_starting(server: Any) -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
