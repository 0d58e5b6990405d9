"""Slow clients behind the buffering proxy (deploy/local/proxy.py), with a real nginx in
front of a real gunicorn: twelve connections that send their headers and one byte of
a declared body, then wait, used to hold every gunicorn thread (``/healthz``
unanswerable for as long as they stayed open). nginx reads requests whole before
gunicorn sees them, so the service keeps answering. The same twelve sent straight to
gunicorn still starve it: that is what the proxy is for, and why production has one.

Also what nginx and gunicorn answer themselves is problem+json, like our own errors."""

from __future__ import annotations

import http.client
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.local import proxy
from deploy.local.ports import free_port
from deploy.local.stack import SERVICES, Stack, StackConfig

pytestmark = pytest.mark.e2e
ADMIN = "slow-clients-admin-token"
SLOW_CLIENTS = 12
# gunicorn's threads in this stack: 2 workers x 4 threads, fewer than the slow clients.
WEB_WORKERS = 2


@pytest.fixture(scope="module")
def nginx() -> str:
    subprocess.run(["sh", "deploy/local/ensure-nginx.sh"], check=False)
    found = proxy.find_nginx()
    assert found, "no nginx: deploy/local/ensure-nginx.sh installs Debian's (as root)"
    return found


@pytest.fixture
def stack(nginx: str, database_url: str, tmp_path: Path) -> Iterator[Stack]:
    config = StackConfig(
        var_dir=tmp_path / "var",
        admin_token=ADMIN,
        ports={service: free_port() for service in SERVICES},
        broker_port=0,
        smtp_port=free_port(),
        kafka_bootstrap_servers="127.0.0.1:9",  # /healthz asks nothing of the broker
        database_urls={"notification": database_url},
        web_workers=WEB_WORKERS,
        proxy=True,
    )
    stack = Stack(config)
    try:
        stack.start_web("notification")
        yield stack
    finally:
        stack.stop()


def slow_client(port: int) -> socket.socket:
    """Headers and one byte of a 1000-byte body, and then nothing."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        b"PUT /v1/preferences/siti@dinkes.example.go.id HTTP/1.1\r\nHost: localhost\r\n"
        b"Authorization: Bearer " + ADMIN.encode() + b"\r\n"
        b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
    )
    return sock


def health(port: int, timeout_s: float) -> int | None:
    """/healthz's status, or None when no answer came within ``timeout_s``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def test_slow_clients_do_not_starve_the_service_behind_the_proxy(stack: Stack) -> None:
    public = stack.config.ports["notification"]
    direct = stack.upstream_ports["notification"]
    assert public != direct
    held: list[socket.socket] = []
    try:
        held += [slow_client(public) for _ in range(SLOW_CLIENTS)]
        for _ in range(3):
            assert health(public, timeout_s=5) == 200
        # The same clients straight at gunicorn: what would happen without the proxy.
        held += [slow_client(direct) for _ in range(SLOW_CLIENTS)]
        assert health(direct, timeout_s=3) is None
    finally:
        for sock in held:
            sock.close()
    assert health(public, timeout_s=10) == 200


def test_what_the_proxy_and_gunicorn_answer_themselves_is_problem_json(stack: Stack) -> None:
    for port in (stack.config.ports["notification"], stack.upstream_ports["notification"]):
        for path, headers, status in (
            ("/" + "a" * 9000, {}, 414),
            ("/healthz", {"X-Big": "b" * 9000}, 431),
        ):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
            finally:
                connection.close()
            assert response.status == status, (port, path[:20], response.status, body)
            assert response.getheader("Content-Type", "").startswith("application/problem+json"), (
                port,
                response.status,
                body[:200],
            )


def test_the_proxy_answers_trace_with_the_services_allow(stack: Stack) -> None:
    """nginx refuses TRACE itself; its 405 says which methods the resource has (RFC 9110)."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.config.ports["notification"], 10)
    try:
        connection.request("TRACE", "/v1/deliveries")
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 405
    assert "GET" in response.getheader("Allow", "") and "TRACE" not in response.getheader("Allow")
