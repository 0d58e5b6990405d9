"""The buffering reverse proxy (nginx) the local stack puts in front of each gunicorn.

gunicorn's threads are few (``WEB_CONCURRENCY`` x ``GUNICORN_THREADS``) and each one
waits for as long as its client takes to send a request: twelve clients that send
headers and one byte of a declared body, then wait, leave no thread for anybody
(``/healthz`` unanswerable). nginx reads every request whole (headers and body, with
timeouts) before it hands it to gunicorn, and answers those who are too slow itself;
gunicorn only ever sees complete requests. Production does the same with its ingress
(deploy/k8s) or the compose file's nginx; docs/OPERATE.md, "Slow clients".
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
from pathlib import Path

from shared.platform.problem_codes import problem_body

# What nginx answers itself, in the problem+json of every other error of ours.
_PROBLEMS = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Request Entity Too Large",
    414: "URI Too Long",
    494: "Request Header Fields Too Large",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def largest_body(max_evidence_file_bytes: int) -> int:
    """nginx's ``client_max_body_size``: an evidence file with room for its multipart
    framing, so that the service's own 413 (naming its limit) answers first."""
    return max_evidence_file_bytes + 1_048_576


def find_nginx() -> str | None:
    """The nginx binary: ``NGINX_PATH``, nginx on PATH, or Debian's /usr/sbin/nginx."""
    given = os.environ.get("NGINX_PATH", "")
    if given and os.access(given, os.X_OK):
        return given
    found = shutil.which("nginx")
    if found:
        return found
    for path in ("/usr/sbin/nginx", "/usr/local/sbin/nginx"):
        if os.access(path, os.X_OK):
            return path
    return None


def problem_locations() -> str:
    """``error_page`` and internal locations that answer nginx's own errors as
    problem+json (by URI: a request whose line was refused has no URI to keep)."""
    lines = []
    for status, title in _PROBLEMS.items():
        shown = 431 if status == 494 else status
        body = json.dumps(problem_body(shown, title), separators=(",", ":"))
        lines.append(f"        error_page {status} ={shown} /_problem/{status};")
        lines.append(
            f"        location = /_problem/{status} {{ internal; "
            f"default_type application/problem+json; return 200 '{body}'; }}"
        )
    return "\n".join(lines)


def server_block(listen: str, upstream: str, max_body_bytes: int) -> str:
    """One service: listen on ``listen``, pass whole requests to ``upstream``."""
    return f"""    server {{
        listen {listen};
        # Above the largest body a service takes (an evidence file with its framing),
        # so that the service's own 413 (problem+json, naming its limit) answers first.
        client_max_body_size {max_body_bytes};
        client_body_buffer_size 1m;
        client_header_timeout 10s;
        client_body_timeout 10s;
        send_timeout 30s;
        large_client_header_buffers 4 8k;
        location / {{
            proxy_pass http://{upstream};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_request_buffering on;
            proxy_buffering on;
            proxy_read_timeout 60s;
        }}
        # nginx refuses TRACE itself (405) before any location; the service says in an
        # OPTIONS answer which methods the resource has, for the 405's Allow.
        error_page 405 =405 @allowed;
        location @allowed {{
            proxy_method OPTIONS;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_pass http://{upstream};
        }}
{problem_locations()}
    }}
"""


def config(prefix: Path, servers: list[tuple[str, str]], max_body_bytes: int, log_dir: Path) -> str:
    """A whole nginx.conf for ``servers`` (``(listen, upstream)`` pairs), kept in ``prefix``."""
    user = ""
    if os.geteuid() == 0:
        # Workers drop to nobody; they write request bodies into prefix's temp folders.
        user = "user nobody nogroup;"
    blocks = "".join(server_block(listen, up, max_body_bytes) for listen, up in servers)
    return f"""# Written by deploy/local/proxy.py for the local stack; changes are overwritten.
{user}
worker_processes 1;
daemon off;
pid {prefix / "nginx.pid"};
error_log {log_dir / "nginx-error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    access_log {log_dir / "nginx-access.log"};
    client_body_temp_path {prefix / "body"};
    proxy_temp_path {prefix / "proxy"};
    fastcgi_temp_path {prefix / "fastcgi"};
    uwsgi_temp_path {prefix / "uwsgi"};
    scgi_temp_path {prefix / "scgi"};
    server_tokens off;
{blocks}}}
"""


def prepare(prefix: Path, text: str) -> Path:
    """Write the configuration and the temp folders nginx's workers write into."""
    prefix.mkdir(parents=True, exist_ok=True)
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        folder = prefix / name
        folder.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(folder, nobody.pw_uid, nobody.pw_gid)
    path = prefix / "nginx.conf"
    path.write_text(text)
    return path


def command(nginx: str, prefix: Path, conf: Path) -> list[str]:
    return [nginx, "-p", str(prefix), "-c", str(conf)]


COMPOSE_HEADER = """# nginx in front of the three web services in docker-compose.yml: gunicorn only ever
# sees whole requests (slow clients cannot hold its threads: docs/OPERATE.md, "Slow
# clients"). The same server blocks as the local stack's: written by
# `python -m deploy.local.proxy` from deploy/local/proxy.py (tests/unit/test_deploy_files.py
# checks that they agree). Mounted as /etc/nginx/conf.d/default.conf in the official
# nginx image (Debian). client_max_body_size: MAX_EVIDENCE_FILE_BYTES (10 MiB) and 1 MiB
# for the framing; raise both together.
server_tokens off;
"""
COMPOSE_PORTS = {"submission": 8001, "review": 8002, "notification": 8003, "results": 8004}


def compose_config(max_evidence_file_bytes: int = 10_485_760) -> str:
    largest = largest_body(max_evidence_file_bytes)
    return COMPOSE_HEADER + "".join(
        server_block(str(port), f"{service}-web:8000", largest)
        for service, port in COMPOSE_PORTS.items()
    )


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "nginx" / "compose.conf"
    target.write_text(compose_config())
    print(f"wrote {target}")
