"""Apache Kafka itself, started by the project: N combined broker+controller nodes (KRaft).

The broker comes from Maven Central, resolved by Maven's own client from
``deploy/local/kafka/pom.xml`` (the version of ``docker-compose.yml``'s image)
into a cache folder once; later starts reuse the cached jars and take seconds.
No tarball download, nothing installed by hand: Java 17+ and Maven are enough.

    python -m deploy.local.apache_kafka            # one node; prints the bootstrap servers
    python -m deploy.local.apache_kafka --nodes 3  # a three-node cluster

Environment (all optional):
  INAGARA_KAFKA_CACHE   the cache folder (default $XDG_CACHE_HOME/inagara/kafka-<version>,
                        else ~/.cache/inagara/kafka-<version>)
  JAVA_HOME             the JDK to run (default: `java` on PATH)

Each node is one JVM with a small heap, its own data folder and log file, and a
static controller quorum of every node (``controller.quorum.voters``). The
settings are the ones tests want: no auto-created topics, no initial rebalance
delay, internal topics replicated min(3, N) times, ``min.insync.replicas`` 2
from three nodes up.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from deploy.local.ports import free_port, port_is_free, wait_for_port

KAFKA_VERSION = "4.2.1"
POM = Path(__file__).resolve().parent / "kafka" / "pom.xml"
DEFAULT_HEAP_MB = 192
STOP_GRACE_S = 15.0

T = TypeVar("T")


class KafkaLaunchError(RuntimeError):
    pass


# -- the jars ---------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    configured = os.environ.get("INAGARA_KAFKA_CACHE")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "inagara" / f"kafka-{KAFKA_VERSION}"


def _pom_digest() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()[:16]


def resolve_kafka_jars(cache_dir: Path | None = None) -> Path:
    """The folder of Kafka's jars: resolved by Maven on first use, then reused.

    A stamp keyed by the pom's checksum says the folder is complete; a changed
    pom resolves again. Concurrent callers (parallel test processes) wait on a
    lock instead of running Maven twice."""
    cache = (cache_dir or default_cache_dir()).resolve()
    lib, stamp = cache / "lib", cache / f".resolved-{_pom_digest()}"
    if stamp.exists() and lib.is_dir():
        return lib
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stamp.exists() and lib.is_dir():
            return lib
        mvn = shutil.which("mvn")
        if not mvn:
            raise KafkaLaunchError(
                "Apache Kafka is resolved from Maven Central by Maven: install Maven 3.8+ "
                "(and Java 17+), or point KAFKA_BOOTSTRAP_SERVERS at a running broker"
            )
        staging = Path(tempfile.mkdtemp(prefix="lib-", dir=cache))
        command = [
            mvn,
            "--batch-mode",
            "--quiet",
            "--file",
            str(POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0 or not any(staging.glob("kafka_2.13-*.jar")):
            shutil.rmtree(staging, ignore_errors=True)
            raise KafkaLaunchError(
                f"resolving Apache Kafka with Maven failed ({' '.join(command)}):\n"
                f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
            )
        for old in cache.glob(".resolved-*"):
            old.unlink()
        shutil.rmtree(lib, ignore_errors=True)
        staging.rename(lib)
        stamp.touch()
    return lib


def java_binary() -> str:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    java = shutil.which("java")
    if not java:
        raise KafkaLaunchError("Apache Kafka needs Java 17+: no `java` on PATH and no JAVA_HOME")
    return java


def keytool_binary() -> str:
    keytool = Path(java_binary()).resolve().parent / "keytool"
    if not keytool.exists():
        raise KafkaLaunchError(f"no keytool next to {java_binary()}")
    return str(keytool)


def self_signed_keystore(directory: Path, host: str, password: str) -> tuple[Path, Path]:
    """A PKCS12 keystore with a self-signed certificate for ``host`` (as DNS and IP name),
    and the certificate as PEM for the clients to trust: ``(keystore, ca_pem)``."""
    directory.mkdir(parents=True, exist_ok=True)
    keystore, pem = directory / "broker.p12", directory / "broker-ca.pem"
    san = f"ip:{host}" if host.replace(".", "").isdigit() else f"dns:{host}"
    common = ["-keystore", str(keystore), "-storetype", "PKCS12", "-storepass", password]
    subprocess.run(
        [keytool_binary(), "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize",
         "2048", "-validity", "2", "-dname", f"CN={host}", "-ext", f"SAN={san},dns:localhost",
         "-keypass", password, *common],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [keytool_binary(), "-exportcert", "-rfc", "-alias", "broker", "-file", str(pem), *common],
        check=True, capture_output=True,
    )  # fmt: skip
    return keystore, pem


@dataclass(frozen=True)
class SecureListener:
    """A SASL_SSL listener beside the plaintext one (which brokers and tests keep using):
    TLS from ``keystore``, SASL/PLAIN for ``plain_users`` and SCRAM-SHA-256 for
    ``scram_users`` (name -> password; SCRAM credentials go in at format time)."""

    keystore: Path
    password: str
    plain_users: Mapping[str, str] = field(default_factory=dict)
    scram_users: Mapping[str, str] = field(default_factory=dict)

    def config(self) -> dict[str, str]:
        prefix = "listener.name.sasl_ssl."
        users = " ".join(f'user_{name}="{secret}"' for name, secret in self.plain_users.items())
        return {
            f"{prefix}sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256",
            f"{prefix}plain.sasl.jaas.config": (
                f"org.apache.kafka.common.security.plain.PlainLoginModule required {users};"
            ),
            f"{prefix}scram-sha-256.sasl.jaas.config": (
                "org.apache.kafka.common.security.scram.ScramLoginModule required;"
            ),
            f"{prefix}ssl.keystore.type": "PKCS12",
            f"{prefix}ssl.keystore.location": str(self.keystore),
            f"{prefix}ssl.keystore.password": self.password,
            f"{prefix}ssl.key.password": self.password,
        }

    def format_args(self) -> list[str]:
        args: list[str] = []
        for name, secret in self.scram_users.items():
            args += ["--add-scram", f"SCRAM-SHA-256=[name={name},password={secret}]"]
        return args


def random_cluster_id() -> str:
    """A KRaft cluster id: a UUID in URL-safe base64 without padding (22 characters).

    Never one that starts with "-": `kafka-storage format --cluster-id -…` reads it
    as an option and fails (one id in 64). Kafka's own Uuid.randomUuid draws again
    for the same reason.
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


LOG4J2_XML = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by deploy/local/apache_kafka.py: warnings, plus the lines that say what a
     node is doing (started, stopping, leaders and ISR changing). -->
<Configuration status="warn">
  <Appenders>
    <Console name="out" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Logger name="kafka.server.KafkaRaftServer" level="info"/>
    <Logger name="kafka.server.BrokerServer" level="info"/>
    <Logger name="kafka.server.ControllerServer" level="info"/>
    <Logger name="kafka.cluster.Partition" level="info"/>
    <Logger name="org.apache.kafka.raft.QuorumState" level="info"/>
    <Logger name="org.apache.kafka.controller.QuorumController" level="info"/>
    <Logger name="state.change.logger" level="warn"/>
    <Root level="warn"><AppenderRef ref="out"/></Root>
  </Loggers>
</Configuration>
"""


# -- one node ---------------------------------------------------------------------------------


def _wait_stopped(pid: int, timeout_s: float = 10) -> None:
    """Return once every thread of ``pid`` is stopped (SIGSTOP is delivered, not obeyed,
    when ``kill`` returns: a busy JVM thread could still answer a request meanwhile)."""
    deadline = time.monotonic() + timeout_s
    tasks = Path(f"/proc/{pid}/task")
    while tasks.is_dir() and time.monotonic() < deadline:
        states = []
        for task in tasks.iterdir():
            try:
                # the state follows the parenthesised name, which may hold spaces
                states.append((task / "stat").read_text().rsplit(")", 1)[1].split()[0])
            except (OSError, IndexError):
                continue
        if states and all(state in {"T", "t"} for state in states):
            return
        time.sleep(0.01)


class KafkaNode:
    """One JVM: broker and KRaft controller in one process, its storage in ``data_dir``."""

    def __init__(
        self,
        cluster: KafkaCluster,
        node_id: int,
        port: int,
        controller_port: int,
    ) -> None:
        self.cluster = cluster
        self.node_id = node_id
        self.port = port
        self.controller_port = controller_port
        self.dir = cluster.work_dir / f"node-{node_id}"
        self.data_dir = self.dir / "data"
        self.config_path = self.dir / "server.properties"
        self.secure_port = free_port(cluster.host) if cluster.secure else 0
        self.log_path = cluster.log_dir / f"kafka-node-{node_id}.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process and self._process.poll() is None else None

    @property
    def address(self) -> str:
        return f"{self.cluster.host}:{self.port}"

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def config(self) -> dict[str, str]:
        c = self.cluster
        n = len(c.nodes)
        replicas = str(min(3, n))
        min_isr = str(2 if n >= 3 else 1)
        listeners = f"PLAINTEXT://{c.host}:{self.port}"
        protocols = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
        if c.secure:
            listeners += f",SASL_SSL://{c.host}:{self.secure_port}"
            protocols += ",SASL_SSL:SASL_SSL"
        settings = {
            "node.id": str(self.node_id),
            "process.roles": "broker,controller",
            "listeners": f"{listeners},CONTROLLER://{c.host}:{self.controller_port}",
            "advertised.listeners": listeners,
            "listener.security.protocol.map": protocols,
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "controller.quorum.voters": ",".join(
                f"{node.node_id}@{c.host}:{node.controller_port}" for node in c.nodes
            ),
            "log.dirs": str(self.data_dir),
            # Topics are created on purpose (shared/events/topics.py), never by a stray client.
            "auto.create.topics.enable": "false",
            "num.partitions": "1",
            "default.replication.factor": replicas,
            "min.insync.replicas": min_isr,
            "offsets.topic.replication.factor": replicas,
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": replicas,
            "transaction.state.log.min.isr": min_isr,
            "transaction.state.log.num.partitions": "10",
            "share.coordinator.state.topic.replication.factor": replicas,
            "share.coordinator.state.topic.min.isr": min_isr,
            # Fast for tests: a group starts at once, small threads pools for a small machine.
            "group.initial.rebalance.delay.ms": "0",
            # The fault tests' consumers time out in 3 s so that a killed worker's partitions
            # move on quickly; Kafka refuses a session timeout below this (6 s by default).
            "group.min.session.timeout.ms": "1000",
            "num.network.threads": "2",
            "num.io.threads": "2",
            "num.recovery.threads.per.data.dir": "1",
            "background.threads": "2",
            "log.cleaner.threads": "1",
            # The cleaner's offset map lives on the heap (128 MiB by default): too big for a
            # small heap, and compacted topics here are tiny.
            "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
        }
        if c.secure:
            settings.update(c.secure.config())
        settings.update(c.extra_config)
        return settings

    def write_config(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        lines = [f"{key}={value}" for key, value in self.config().items()]
        self.config_path.write_text("\n".join(lines) + "\n")

    def _java(self, main: str, heap_mb: int, *args: str) -> list[str]:
        c = self.cluster
        return [
            java_binary(),
            f"-Xms{heap_mb}m",
            f"-Xmx{heap_mb}m",
            "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:MaxMetaspaceSize=96m",
            "-XX:ReservedCodeCacheSize=48m",
            "-Xss512k",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={c.log4j_config}",
            "-cp",
            f"{c.lib_dir}/*",
            main,
            *args,
        ]

    def format_command(self) -> list[str]:
        return self._java(
            "kafka.tools.StorageTool",
            64,
            "format",
            "--cluster-id",
            self.cluster.cluster_id,
            "--config",
            str(self.config_path),
            "--ignore-formatted",
            *(self.cluster.secure.format_args() if self.cluster.secure else []),
        )

    def is_formatted(self) -> bool:
        return (self.data_dir / "meta.properties").exists()

    def start(self, timeout_s: float = 60) -> None:
        """Start (or restart) the node on its storage; block until it listens."""
        if self.is_running():
            return
        if not port_is_free(self.port, self.cluster.host):
            raise KafkaLaunchError(f"port {self.port} of Kafka node {self.node_id} is in use")
        self.write_config()
        self.cluster.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                self._java("kafka.Kafka", self.cluster.heap_mb, str(self.config_path)),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C at a terminal reaches the launcher only
            )
        deadline = time.monotonic() + timeout_s
        while True:
            if self._process.poll() is not None:
                raise KafkaLaunchError(
                    f"Kafka node {self.node_id} exited ({self._process.returncode}); "
                    f"see {self.log_path}"
                )
            try:
                wait_for_port(self.cluster.host, self.port, 0.5)
                return
            except TimeoutError:
                if time.monotonic() > deadline:
                    self.kill()
                    raise KafkaLaunchError(
                        f"Kafka node {self.node_id} did not listen on {self.address} "
                        f"within {timeout_s}s; see {self.log_path}"
                    ) from None

    def kill(self) -> None:
        """SIGKILL: the node dies at once, as in a crash."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.kill()
        process.wait()

    def terminate(self, grace_s: float = STOP_GRACE_S) -> None:
        """SIGTERM (a controlled shutdown) and wait; SIGKILL after ``grace_s``."""
        self._signal_stop()
        self._wait_stopped(time.monotonic() + grace_s)

    def _signal_stop(self) -> None:
        process = self._process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGCONT)  # a frozen JVM cannot act on SIGTERM
            process.terminate()

    def _wait_stopped(self, deadline: float) -> None:
        process = self._process
        if process is None:
            return
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def freeze(self) -> None:
        """SIGSTOP: the node keeps its sockets but answers nothing (a long GC pause, a VM stall)."""
        if self.is_running():
            assert self._process is not None
            os.kill(self._process.pid, signal.SIGSTOP)
            _wait_stopped(self._process.pid)

    def thaw(self) -> None:
        """SIGCONT after :meth:`freeze`."""
        if self.is_running():
            assert self._process is not None
            os.kill(self._process.pid, signal.SIGCONT)

    def rss_kib(self) -> int | None:
        """Resident memory of the JVM (KiB), from /proc; None when not running or not Linux."""
        if not self.pid:
            return None
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return None

    def __repr__(self) -> str:
        state = "running" if self.is_running() else "stopped"
        return f"KafkaNode({self.node_id}, {self.address}, {state})"


# -- the cluster ------------------------------------------------------------------------------


class KafkaCluster:
    """N combined broker+controller nodes on free ports (or ``ports``), in ``work_dir``.

    ``work_dir`` defaults to a fresh temporary folder, removed by :meth:`stop`; a
    given one is kept, and a node already formatted there starts on its data."""

    def __init__(
        self,
        nodes: int = 1,
        host: str = "127.0.0.1",
        heap_mb: int = DEFAULT_HEAP_MB,
        work_dir: Path | None = None,
        log_dir: Path | None = None,
        extra_config: Mapping[str, str] | None = None,
        ports: Sequence[int] | None = None,
        cache_dir: Path | None = None,
        secure: SecureListener | None = None,
    ) -> None:
        if nodes < 1:
            raise ValueError("a cluster has at least one node")
        if ports is not None and len(ports) != nodes:
            raise ValueError("one port per node")
        self.host = host
        self.heap_mb = heap_mb
        self._own_work_dir = work_dir is None
        self.work_dir = (
            Path(tempfile.mkdtemp(prefix="inagara-kafka-")) if work_dir is None else work_dir
        ).resolve()
        self.log_dir = (log_dir or self.work_dir).resolve()
        self.extra_config = dict(extra_config or {})
        self.secure = secure
        self._cache_dir = cache_dir
        self.lib_dir = Path()
        self.log4j_config = self.work_dir / "log4j2.xml"
        self.cluster_id = ""
        broker_ports = list(ports) if ports is not None else [free_port(host) for _ in range(nodes)]
        self.nodes: list[KafkaNode] = []
        for i, port in enumerate(broker_ports, start=1):
            controller_port = free_port(host)
            while controller_port in broker_ports:
                controller_port = free_port(host)
            self.nodes.append(KafkaNode(self, i, port, controller_port))
        self._started = False

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(node.address for node in self.nodes)

    @property
    def secure_bootstrap_servers(self) -> str:
        """The SASL_SSL listeners (with ``secure``)."""
        return ",".join(f"{self.host}:{node.secure_port}" for node in self.nodes)

    def node(self, node_id: int) -> KafkaNode:
        for node in self.nodes:
            if node.node_id == node_id:
                return node
        raise KeyError(f"no Kafka node {node_id}")

    # -- starting ---------------------------------------------------------------------------

    def start(self, timeout_s: float = 120) -> KafkaCluster:
        """Format the storage of new nodes, start every node, wait until the cluster serves."""
        deadline = time.monotonic() + timeout_s
        try:
            self.lib_dir = resolve_kafka_jars(self._cache_dir)
            self.work_dir.mkdir(parents=True, exist_ok=True)
            self.log4j_config.write_text(LOG4J2_XML)
            self._format()
            atexit.register(self.stop)
            self._started = True
            # All at once: a node listens only when a majority of the controllers is up.
            with ThreadPoolExecutor(len(self.nodes)) as pool:
                starting = [
                    pool.submit(node.start, max(1.0, deadline - time.monotonic()))
                    for node in self.nodes
                ]
                for future in starting:
                    future.result()
            self.wait_ready(max(1.0, deadline - time.monotonic()))
        except BaseException:
            self.stop()
            raise
        return self

    def _format(self) -> None:
        id_file = self.work_dir / "cluster.id"
        if id_file.exists():
            self.cluster_id = id_file.read_text().strip()
        else:
            self.cluster_id = random_cluster_id()
            id_file.write_text(self.cluster_id + "\n")
        pending = [node for node in self.nodes if not node.is_formatted()]
        running: list[tuple[KafkaNode, subprocess.Popen[bytes]]] = []
        for node in pending:  # in parallel: each is a JVM start of a few seconds
            node.write_config()
            self.log_dir.mkdir(parents=True, exist_ok=True)
            with open(node.log_path, "ab") as log:
                running.append(
                    (
                        node,
                        subprocess.Popen(
                            node.format_command(),
                            stdout=log,
                            stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL,
                        ),
                    )
                )
        for node, process in running:
            if process.wait(120) != 0:
                raise KafkaLaunchError(
                    f"formatting Kafka node {node.node_id}'s storage failed; see {node.log_path}"
                )

    def wait_ready(self, timeout_s: float = 60, nodes: Sequence[int] | None = None) -> None:
        """Block until every running node (or each of ``nodes``) is a registered, unfenced
        broker, a controller leads the quorum, and metadata answers."""
        wanted = set(nodes) if nodes is not None else {n.node_id for n in self.nodes}
        wanted &= {n.node_id for n in self.nodes if n.is_running()}

        def ready() -> bool:
            cluster = self.admin_call(lambda admin: admin.describe_cluster())
            live = {b["broker_id"] for b in cluster["brokers"] if not b.get("is_fenced")}
            return wanted <= live and self.active_controller_id() >= 0

        self._poll(ready, timeout_s, f"Kafka nodes {sorted(wanted)} registered")

    def _poll(self, check: Callable[[], bool], timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        last: BaseException | None = None
        while time.monotonic() < deadline:
            try:
                if check():
                    return
            except Exception as exc:  # not up yet: the admin client raises while it is not
                last = exc
            time.sleep(0.2)
        raise KafkaLaunchError(
            f"{what}: not within {timeout_s:.0f}s (last error: {last!r}); logs in {self.log_dir}"
        )

    # -- asking the cluster -----------------------------------------------------------------

    def admin_call(self, call: Callable[[Any], T], timeout_ms: int = 5000) -> T:
        """Run ``call(admin)`` with a fresh admin client on the running nodes."""
        from kafka import KafkaAdminClient

        servers = [n.address for n in self.nodes if n.is_running()] or [self.nodes[0].address]
        admin = KafkaAdminClient(bootstrap_servers=servers, request_timeout_ms=timeout_ms)
        try:
            return call(admin)
        finally:
            admin.close()

    def active_controller_id(self) -> int:
        """The node that leads the KRaft quorum now (-1: none yet)."""
        quorum = self.admin_call(lambda admin: admin.describe_metadata_quorum())
        return int(quorum["topics"][0]["partitions"][0]["leader_id"])

    def partition_leaders(self, topic: str) -> dict[int, int]:
        """Partition -> the node that leads it (-1: no leader now)."""
        topics = self.admin_call(lambda admin: admin.describe_topics([topic]))
        return {int(p["partition_index"]): int(p["leader_id"]) for p in topics[0]["partitions"]}

    def freeze(self) -> None:
        """SIGSTOP every node (the whole broker gone silent)."""
        for node in self.nodes:
            node.freeze()

    def thaw(self) -> None:
        for node in self.nodes:
            node.thaw()

    def rss_kib(self) -> dict[int, int | None]:
        return {node.node_id: node.rss_kib() for node in self.nodes}

    # -- stopping ---------------------------------------------------------------------------

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """SIGTERM every node at once, SIGKILL what is left after ``grace_s``; remove a
        temporary work folder."""
        for node in self.nodes:
            node._signal_stop()
        deadline = time.monotonic() + grace_s
        for node in self.nodes:
            node._wait_stopped(deadline)
        if self._started:
            atexit.unregister(self.stop)
            self._started = False
        if self._own_work_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self) -> KafkaCluster:
        return self.start()

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.local.apache_kafka",
        description="Start Apache Kafka (KRaft, combined nodes) until Ctrl-C.",
    )
    parser.add_argument("--nodes", type=int, default=1)
    parser.add_argument("--heap-mb", type=int, default=DEFAULT_HEAP_MB)
    parser.add_argument("--port", type=int, action="append", help="a broker port (one per node)")
    parser.add_argument("--work-dir", type=Path, help="kept between runs (default: temporary)")
    parser.add_argument("--topics", action="store_true", help="create the system's topics")
    args = parser.parse_args(argv)
    started = time.monotonic()
    cluster = KafkaCluster(
        nodes=args.nodes, heap_mb=args.heap_mb, work_dir=args.work_dir, ports=args.port
    )
    stopping = False

    def interrupt(_signum: int, _frame: object) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        cluster.start()
        if args.topics:
            from shared.events.topics import ensure_topics

            ensure_topics(cluster.bootstrap_servers)
        print(
            f"Apache Kafka {KAFKA_VERSION}: {len(cluster.nodes)} node(s) ready in "
            f"{time.monotonic() - started:.1f}s; logs in {cluster.log_dir}",
            file=sys.stderr,
        )
        print(cluster.bootstrap_servers, flush=True)
        while all(node.is_running() for node in cluster.nodes):
            time.sleep(0.5)
        print("a Kafka node exited; stopping", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
