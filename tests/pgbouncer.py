"""A PgBouncer in transaction pooling in front of the test PostgreSQL server.

The same pooling mode as docker-compose.yml and the Kubernetes overlay
(deploy/k8s/components/pgbouncer): a client holds a server connection only for the
length of one transaction, and the pool has fewer server connections than there are
clients, so each test runs its clients multiplexed over them. Found (or, as root,
installed) by deploy/local/ensure-pgbouncer.sh, which the test runs itself when none is found;
a test using it fails, naming the script, when there is still none.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from deploy.local.ports import free_port, wait_for_port
from shared.platform.db import normalise_url


def find_pgbouncer() -> str | None:
    explicit = os.environ.get("PGBOUNCER_PATH", "")
    if explicit and os.access(explicit, os.X_OK):
        return explicit
    for path in (shutil.which("pgbouncer"), "/usr/sbin/pgbouncer", "/usr/local/bin/pgbouncer"):
        if path and os.access(path, os.X_OK):
            return path
    return None


CONFIG = """\
[databases]
{database} = host={host} port={port} dbname={database} user={user}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen_port}
unix_socket_dir =
auth_type = trust
auth_file = {auth_file}
pool_mode = transaction
default_pool_size = {pool_size}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 200
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
logfile =
pidfile =
"""


@contextmanager
def pgbouncer(database_url: str, pool_size: int = 2) -> Iterator[str]:
    """Start PgBouncer for the database of ``database_url``; yield the URL that goes through it."""
    binary = find_pgbouncer()
    if binary is None:
        subprocess.run(["sh", "deploy/local/ensure-pgbouncer.sh"], check=False)
        binary = find_pgbouncer()
    assert binary, "no pgbouncer: deploy/local/ensure-pgbouncer.sh installs Debian's (as root)"
    server: URL = make_url(normalise_url(database_url))
    with tempfile.TemporaryDirectory(prefix="inagara-pgbouncer-") as folder:
        work = Path(folder)
        work.chmod(0o755)
        auth = work / "users.txt"
        auth.write_text(f'"{server.username}" "{server.password or ""}"\n')
        listen_port = free_port()
        config = work / "pgbouncer.ini"
        config.write_text(
            CONFIG.format(
                database=server.database,
                host=server.host or "127.0.0.1",
                port=server.port or 5432,
                user=server.username,
                listen_port=listen_port,
                auth_file=auth,
                pool_size=pool_size,
            )
        )
        for path in (auth, config):
            path.chmod(0o644)
        command = [binary, "-q", str(config)]
        if os.geteuid() == 0:
            command[1:1] = ["-u", "nobody"]  # it refuses to run as root
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        try:
            try:
                wait_for_port("127.0.0.1", listen_port, timeout_s=10)
            except TimeoutError:
                process.kill()
                _, err = process.communicate(timeout=5)
                raise RuntimeError(f"pgbouncer did not start: {err.decode()[-2000:]}") from None
            yield server.set(host="127.0.0.1", port=listen_port).render_as_string(
                hide_password=False
            )
        finally:
            process.send_signal(signal.SIGINT)  # SIGINT: shut down at once
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
