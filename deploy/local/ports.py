"""Free ports and waiting for a listener: what the local launchers and the tests share."""

from __future__ import annotations

import random
import socket
import threading
import time
from pathlib import Path

# Ports are handed out from below the kernel's ephemeral range: a port from that range,
# found free and bound a moment later by the process it was meant for, can be taken in
# between as the source port of any outgoing connection (a Kafka client's, a poll's),
# and the process then fails with "Address already in use". Below it only another
# explicit bind competes; the ports handed out by this process are not handed out again.
_EPHEMERAL = Path("/proc/sys/net/ipv4/ip_local_port_range")
_SPAN = 12_000
_handed: set[int] = set()
_lock = threading.Lock()


def _below_ephemeral() -> range:
    try:
        low = int(_EPHEMERAL.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    return range(max(1024, low - _SPAN), low)


def free_port(host: str = "127.0.0.1") -> int:
    candidates = _below_ephemeral()
    with _lock:
        for _ in range(200):
            port = random.choice(candidates)
            if port in _handed:
                continue
            with socket.socket() as sock:
                try:
                    sock.bind((host, port))
                except OSError:
                    continue
            _handed.add(port)
            return port
    with socket.socket() as sock:  # nothing free down there: any port the kernel gives
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def wait_for_port(host: str, port: int, timeout_s: float) -> None:
    """Block until something accepts TCP connections on ``host:port``; raise TimeoutError."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout_s}s") from None
            time.sleep(0.05)
