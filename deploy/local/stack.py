"""The whole system on one machine, without Docker: broker, mail catcher,
and each service's web (gunicorn) and worker process.

    python -m deploy.local.stack            # what `make run` does

Environment (all optional):
  KAFKA_BOOTSTRAP_SERVERS   use this broker instead of starting the local one
  INAGARA_BROKER            the broker to start: tansu (default, the bundled local broker)
                            or kafka (one Apache Kafka node, deploy/local/apache_kafka.py)
  SMTP_HOST, SMTP_PORT      send mail there instead of starting the catcher
  SMS_GATEWAY_URL           send SMS there instead of starting the local gateway
                            (deploy/local/smsgateway.py on INAGARA_SMS_PORT, 9025)
  WHATSAPP_API_URL          send WhatsApp messages there instead of starting the local
                            Cloud API stand-in (deploy/local/whatsapp.py on
                            INAGARA_WHATSAPP_PORT, 9026; numbers starting with
                            WHATSAPP_NOT_ON_WHATSAPP, +62899, are "not on WhatsApp")
  SUBMISSION_DATABASE_URL, REVIEW_DATABASE_URL, NOTIFICATION_DATABASE_URL
                            each service's database (default: SQLite under var/)
  INAGARA_ADMIN_TOKEN       the admin token (default: a random one, printed)
  INAGARA_DEMO              1 (default): seed the demo (agency DEMO-DINKES, review team
                            @example.org, a webhook endpoint on the portal stand-in);
                            0: seed nothing, as a production start (deploy/local/demo.py,
                            `make demo-clean` removes the demo data)
  INAGARA_BROKER_PORT (9092), INAGARA_SMTP_PORT (1025),
  INAGARA_PORTAL_PORT (9027)  the agency portal stand-in that prints the webhooks it gets
  INAGARA_SUBMISSION_PORT (8001), INAGARA_REVIEW_PORT (8002),
  INAGARA_NOTIFICATION_PORT (8003), INAGARA_VAR_DIR (var),
  INAGARA_SUBMISSION_METRICS_PORT (9101), INAGARA_REVIEW_METRICS_PORT (9102),
  INAGARA_NOTIFICATION_METRICS_PORT (9103)   workers' /metrics
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from deploy.local import demo, proxy
from deploy.local.apache_kafka import KafkaCluster
from deploy.local.ports import free_port, port_is_free, wait_for_port
from deploy.local.tansu import LocalBroker
from services.submission.config import SubmissionSettings
from shared.events.catalog import ALL_TOPICS
from shared.events.topics import ensure_topics
from shared.platform.db import make_engine
from tools.migrate import migrate
from tools.services import NAMES

SERVICES = NAMES
DEFAULT_PORTS = {"submission": 8001, "review": 8002, "notification": 8003, "results": 8004}
DEFAULT_METRICS_PORTS = {
    "submission": 9101,
    "review": 9102,
    "notification": 9103,
    "results": 9104,
}


def _die_with_parent() -> None:
    """In the child: own session (Ctrl-C reaches only the stack) and SIGTERM if the stack dies."""
    os.setsid()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class StackConfig:
    var_dir: Path
    admin_token: str
    ports: dict[str, int]
    broker_port: int
    smtp_port: int
    kafka_bootstrap_servers: str = ""  # empty: start the local broker
    broker: str = "tansu"  # which one: tansu or kafka (Apache Kafka, one node)
    smtp_host: str = ""  # empty: start the mail catcher
    database_urls: dict[str, str] = field(default_factory=dict)
    web_workers: int = 2
    metrics_ports: dict[str, int] = field(default_factory=dict)  # workers' /metrics; none: off
    extra_env: dict[str, str] = field(default_factory=dict)
    # The local SMS gateway: started when wanted and no SMS_GATEWAY_URL is given.
    # Off by default so tests that build a config by hand send email only.
    sms_gateway: bool = False
    sms_port: int = 0  # 0: any free port
    sms_gateway_url: str = ""
    # The local WhatsApp Cloud API stand-in: started when wanted and no WHATSAPP_API_URL
    # is given. Off by default, as the SMS gateway.
    whatsapp: bool = False
    whatsapp_port: int = 0  # 0: any free port
    whatsapp_api_url: str = ""
    not_on_whatsapp: str = "+62899"
    # The local agency portal that receives webhooks and prints them (deploy/local/portal.py).
    portal: bool = False
    portal_port: int = 0  # 0: any free port
    # nginx in front of each gunicorn (deploy/local/proxy.py): the service's port is
    # nginx's, gunicorn listens on a free port behind it. Off by default so tests that
    # build a config by hand talk to gunicorn; ``make run`` turns it on when nginx is there.
    proxy: bool = False
    # Demo mode: ``make run`` seeds the demo agency, review team and webhook endpoint
    # (deploy/local/demo.py). Off by default so tests that build a config by hand, like
    # a production start, hold no demo row.
    demo: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StackConfig:
        var_dir = Path(env.get("INAGARA_VAR_DIR", "var")).resolve()
        return cls(
            var_dir=var_dir,
            admin_token=env.get("INAGARA_ADMIN_TOKEN") or secrets.token_urlsafe(24),
            ports={
                s: int(env.get(f"INAGARA_{s.upper()}_PORT", DEFAULT_PORTS[s])) for s in SERVICES
            },
            broker_port=int(env.get("INAGARA_BROKER_PORT", 9092)),
            smtp_port=int(env.get("SMTP_PORT") or env.get("INAGARA_SMTP_PORT") or 1025),
            kafka_bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS", ""),
            broker=env.get("INAGARA_BROKER") or "tansu",
            smtp_host=env.get("SMTP_HOST", ""),
            database_urls={
                s: env.get(f"{s.upper()}_DATABASE_URL") or f"sqlite:///{var_dir}/{s}.db"
                for s in SERVICES
            },
            metrics_ports={
                s: int(env.get(f"INAGARA_{s.upper()}_METRICS_PORT", DEFAULT_METRICS_PORTS[s]))
                for s in SERVICES
            },
            sms_gateway=not env.get("SMS_GATEWAY_URL"),
            sms_port=int(env.get("INAGARA_SMS_PORT") or 9025),
            sms_gateway_url=env.get("SMS_GATEWAY_URL", ""),
            whatsapp=not env.get("WHATSAPP_API_URL"),
            whatsapp_port=int(env.get("INAGARA_WHATSAPP_PORT") or 9026),
            whatsapp_api_url=env.get("WHATSAPP_API_URL", ""),
            not_on_whatsapp=env.get("WHATSAPP_NOT_ON_WHATSAPP", "+62899"),
            portal=True,
            portal_port=int(env.get("INAGARA_PORTAL_PORT") or 9027),
            proxy=env.get("INAGARA_PROXY", "1") not in {"0", "false", "no", "off"}
            and proxy.find_nginx() is not None,
            demo=env.get("INAGARA_DEMO", "1").lower() not in {"0", "false", "no", "off"},
        )

    @property
    def mail_dir(self) -> Path:
        return self.var_dir / "mail"

    @property
    def sms_dir(self) -> Path:
        return self.var_dir / "sms"

    @property
    def whatsapp_dir(self) -> Path:
        return self.var_dir / "whatsapp"

    def base_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"


SETTLED_S = 1.0  # how long a worker holds partitions before it counts as consuming


def _holds_partitions(metrics: str) -> bool:
    """Whether a worker's /metrics text says its consumer holds at least one partition."""
    return any(
        line.startswith("inagara_consumer_partitions{") and float(line.rsplit(" ", 1)[1]) > 0
        for line in metrics.splitlines()
    )


class Stack:
    """Starts, watches and stops every process of the local system."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.broker: LocalBroker | KafkaCluster | None = None
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.commands: dict[str, list[str]] = {}
        self._envs: dict[str, dict[str, str]] = {}
        # Every worker serves /metrics (on a free port unless configured): the stack reads
        # there when a worker has joined its consumer group.
        self._spare_metrics_ports: dict[str, int] = {}
        self.bootstrap_servers = config.kafka_bootstrap_servers
        self.smtp_host = config.smtp_host or "127.0.0.1"
        self.sms_gateway_url = config.sms_gateway_url
        self.whatsapp_api_url = config.whatsapp_api_url
        self.portal_url = ""
        # Where each gunicorn listens: the service's port, or a free one behind nginx.
        self.upstream_ports = {
            s: free_port() if config.proxy else port for s, port in config.ports.items()
        }
        (config.var_dir / "log").mkdir(parents=True, exist_ok=True)

    # -- starting ---------------------------------------------------------------

    def start(self, timeout_s: float = 60) -> Stack:
        """Start everything and block until every web process answers /healthz."""
        try:
            self._start(timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def _check_ports(self) -> None:
        c = self.config
        wanted = {f"INAGARA_{s.upper()}_PORT": p for s, p in c.ports.items()}
        wanted.update(
            {f"INAGARA_{s.upper()}_METRICS_PORT": p for s, p in c.metrics_ports.items() if p}
        )
        if not c.kafka_bootstrap_servers:
            wanted["INAGARA_BROKER_PORT"] = c.broker_port
        if not c.smtp_host:
            wanted["INAGARA_SMTP_PORT"] = c.smtp_port
        if c.sms_gateway and not c.sms_gateway_url and c.sms_port:
            wanted["INAGARA_SMS_PORT"] = c.sms_port
        if c.whatsapp and not c.whatsapp_api_url and c.whatsapp_port:
            wanted["INAGARA_WHATSAPP_PORT"] = c.whatsapp_port
        if c.portal and c.portal_port:
            wanted["INAGARA_PORTAL_PORT"] = c.portal_port
        taken = [f"{port} ({name})" for name, port in wanted.items() if not port_is_free(port)]
        if taken:
            raise RuntimeError(
                f"ports in use: {', '.join(taken)}. Is Inagara already running? "
                "Stop it, or choose other ports with the variables named."
            )

    def _start(self, timeout_s: float) -> None:
        c = self.config
        self._check_ports()
        if not self.bootstrap_servers:
            self.broker = self._start_broker()
            self.bootstrap_servers = self.broker.bootstrap_servers
        ensure_topics(self.bootstrap_servers, ALL_TOPICS)
        if not c.smtp_host:
            self._spawn(
                "mailcatcher",
                [
                    sys.executable,
                    "-m",
                    "deploy.local.mailcatcher",
                    "serve",
                    "--dir",
                    str(c.mail_dir),
                    "--port",
                    str(c.smtp_port),
                ],
            )
            wait_for_port("127.0.0.1", c.smtp_port, 15)
        if c.sms_gateway and not self.sms_gateway_url:
            self._start_sms_gateway()
        if c.whatsapp and not self.whatsapp_api_url:
            self._start_whatsapp()
        if c.portal:
            self._start_portal()
        for service in SERVICES:
            self.migrate(service)
        self._start_proxy()
        for service in SERVICES:
            self._spawn(f"{service}-web", self._web_command(service), self.web_env(service))
            self._spawn(f"{service}-worker", self.worker_command(service), self.worker_env(service))
        for service in SERVICES:
            self._wait_healthy(service, timeout_s)
        for service in SERVICES:
            self.wait_consuming(service, timeout_s)

    def _start_broker(self) -> LocalBroker | KafkaCluster:
        c = self.config
        if c.broker == "tansu":
            return LocalBroker(
                port=c.broker_port, log_path=c.var_dir / "log" / "broker.log"
            ).start()
        if c.broker == "kafka":
            # Emptied at each start, as Tansu's memory is: the outbox survives it.
            work_dir = c.var_dir / "kafka"
            shutil.rmtree(work_dir, ignore_errors=True)
            return KafkaCluster(
                nodes=1, ports=[c.broker_port], work_dir=work_dir, log_dir=c.var_dir / "log"
            ).start()
        raise RuntimeError(f"INAGARA_BROKER={c.broker!r}: tansu or kafka")

    def _start_sms_gateway(self) -> None:
        """The local SMS gateway (deploy/local/smsgateway.py), spoken to as Twilio."""
        port = self.config.sms_port or free_port()
        self._spawn(
            "smsgateway",
            [
                sys.executable,
                "-m",
                "deploy.local.smsgateway",
                "serve",
                "--dir",
                str(self.config.sms_dir),
                "--port",
                str(port),
            ],
        )
        wait_for_port("127.0.0.1", port, 15)
        self.sms_gateway_url = f"http://127.0.0.1:{port}/2010-04-01/Accounts/ACLOCAL/Messages.json"

    def _start_portal(self) -> None:
        """The local agency portal (deploy/local/portal.py): its log shows each webhook."""
        port = self.config.portal_port or free_port()
        self._spawn(
            "portal",
            [sys.executable, "-m", "deploy.local.portal", "serve", "--port", str(port)],
            {**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        wait_for_port("127.0.0.1", port, 15)
        self.portal_url = f"http://127.0.0.1:{port}"

    def register_demo_webhook(self, api_key: str, name: str = "dinkes") -> tuple[str, str]:
        """An endpoint on the local portal for the demo agency's key, and the portal told
        its secret (so it checks each signature); returns the endpoint's URL and secret."""
        base = self.config.base_url("submission")
        auth = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}

        def call(url: str, body: object = None) -> dict[str, object]:
            data = None if body is None else json.dumps(body).encode()
            request = urllib.request.Request(url, data=data, headers=auth)
            with urllib.request.urlopen(request, timeout=10) as response:
                loaded: dict[str, object] = json.loads(response.read())
                return loaded

        me = call(f"{base}/v1/me")
        agency_id = str(me["agency"]["id"])  # type: ignore[index]
        url = f"{self.portal_url}/hooks/{name}"
        created = call(
            f"{base}/v1/agencies/{agency_id}/webhooks",
            {"url": url, "description": "local portal stand-in"},
        )
        secret = str(created["secret"])
        call(f"{self.portal_url}/_secrets", {"name": name, "secret": secret})
        return url, secret

    def _start_whatsapp(self) -> None:
        """The local WhatsApp Cloud API stand-in (deploy/local/whatsapp.py), with the
        templates' texts, so that it prints each message as the recipient reads it."""
        port = self.config.whatsapp_port or free_port()
        templates = Path(__file__).parents[2] / "services" / "notification" / "templates"
        self._spawn(
            "whatsapp",
            [
                sys.executable,
                "-m",
                "deploy.local.whatsapp",
                "serve",
                "--dir",
                str(self.config.whatsapp_dir),
                "--port",
                str(port),
                "--templates",
                str(templates / "whatsapp"),
                "--not-on-whatsapp",
                self.config.not_on_whatsapp,
            ],
        )
        wait_for_port("127.0.0.1", port, 15)
        self.whatsapp_api_url = f"http://127.0.0.1:{port}"

    def start_web(self, service: str, timeout_s: float = 30) -> None:
        """Start only ``service``'s web process (for tests of one process alone)."""
        self.migrate(service)
        self._start_proxy()
        self._spawn(f"{service}-web", self._web_command(service), self.web_env(service))
        self._wait_healthy(service, timeout_s)

    def _start_proxy(self) -> None:
        """nginx in front of every service's gunicorn, when the config asks for it."""
        c = self.config
        if not c.proxy or "proxy" in self.processes:
            return
        nginx = proxy.find_nginx()
        if nginx is None:
            raise RuntimeError(
                "no nginx found for the buffering proxy: run deploy/local/ensure-nginx.sh "
                "(as root it installs Debian's nginx), or set INAGARA_PROXY=0"
            )
        prefix = c.var_dir / "nginx"
        servers = [
            (f"127.0.0.1:{c.ports[s]}", f"127.0.0.1:{self.upstream_ports[s]}") for s in SERVICES
        ]
        env = {**os.environ, **c.extra_env}
        largest = proxy.largest_body(
            SubmissionSettings.from_env(environ=env).max_evidence_file_bytes
        )
        conf = proxy.prepare(prefix, proxy.config(prefix, servers, largest, c.var_dir / "log"))
        self._spawn("proxy", proxy.command(nginx, prefix, conf))
        for service in SERVICES:
            wait_for_port("127.0.0.1", c.ports[service], 15)

    def start_worker(self, service: str) -> None:
        """Start only ``service``'s worker process (its database already migrated)."""
        self._spawn(f"{service}-worker", self.worker_command(service), self.worker_env(service))

    def wait_consuming(self, service: str, timeout_s: float = 60) -> None:
        """Block until ``service``'s worker (as last spawned) has joined its consumer group.

        The worker's /metrics shows ``inagara_consumer_partitions`` once its consumer has
        joined; it must hold at least one (a consumer that joined before it knew the
        topics' partitions is given none at first, and rebalanced later), and still hold
        them ``SETTLED_S`` later (a revocation sets the gauge back). Waiting for that
        before a test begins means a stack is never stopped in the middle of a group
        join: on the local broker a member that joined and vanished before its first
        sync stays in the group, and every later join of that group waits for the
        rebalance timeout (minutes); later tests then found nothing consumed.
        """
        name = f"{service}-worker"
        url = f"http://127.0.0.1:{self.worker_metrics_port(service)}/metrics"
        deadline = time.monotonic() + timeout_s
        held_since: float | None = None
        while True:
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited; see {self.config.var_dir}/log/{name}.log")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    holds = _holds_partitions(response.read().decode())
            except OSError:
                holds = False
            # Settled: holding partitions for a while, not between the two assignments
            # of a join followed at once by another rebalance (seen on Apache Kafka).
            now = time.monotonic()
            held_since = (held_since or now) if holds else None
            if held_since is not None and now - held_since >= SETTLED_S:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} joined no consumer group within {timeout_s}s")
            time.sleep(0.2)

    def migrate(self, service: str) -> None:
        migrate(service, self.config.database_urls[service])

    def service_env(self, service: str) -> dict[str, str]:
        c = self.config
        return {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "DATABASE_URL": c.database_urls[service],
            "SMTP_HOST": self.smtp_host,
            "SMTP_PORT": str(c.smtp_port),
            "INAGARA_ADMIN_TOKEN": c.admin_token,
            "INAGARA_SERVICE": service,
            # Behind the local nginx, the client's address is its X-Forwarded-For.
            **({"REVIEW_TRUST_PROXY": "true"} if c.proxy else {}),
            "PYTHONUNBUFFERED": "1",
            **({"SMS_GATEWAY_URL": self.sms_gateway_url} if self.sms_gateway_url else {}),
            **(
                {
                    "WHATSAPP_API_URL": self.whatsapp_api_url,
                    "WHATSAPP_PHONE_NUMBER_ID": os.environ.get("WHATSAPP_PHONE_NUMBER_ID")
                    or "100000000000001",
                }
                if self.whatsapp_api_url
                else {}
            ),
            # Webhooks may go to this machine (the local portal stand-in).
            "WEBHOOK_ALLOWED_NETWORKS": os.environ.get("WEBHOOK_ALLOWED_NETWORKS")
            or "127.0.0.0/8,::1/128",
            "NOTIFICATION_PUBLIC_URL": os.environ.get("NOTIFICATION_PUBLIC_URL")
            or c.base_url("notification"),
            # Where the public results pages send an objection (the review service's form).
            "REVIEW_PUBLIC_URL": os.environ.get("REVIEW_PUBLIC_URL") or c.base_url("review"),
            # The notification service opens an objector's sealed name and email with the
            # key the review service holds (the public objection window's receipt and answer).
            "SUBJECT_KEYS_TOKEN": os.environ.get("SUBJECT_KEYS_TOKEN") or f"{c.admin_token}-keys",
            "OBJECTOR_KEYS_URL": os.environ.get("OBJECTOR_KEYS_URL") or c.base_url("review"),
            # A person-wide export or erasure of the submission service finds the person
            # among the review service's objectors by keyed hashes (docs/PRIVACY.md).
            "SUBJECT_MATCH_KEY": os.environ.get("SUBJECT_MATCH_KEY") or f"{c.admin_token}-match",
            # Where the review service's pipeline page reads the others' /metrics.
            "SUBMISSION_URL": c.base_url("submission"),
            "NOTIFICATION_URL": c.base_url("notification"),
            **c.extra_env,
        }

    def _web_command(self, service: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:shared.web.gunicorn_config",
            "--bind",
            f"127.0.0.1:{self.upstream_ports[service]}",
            "--workers",
            str(self.config.web_workers),
            "--access-logfile",
            "-",
            f"services.{service}.wsgi:create_app()",
        ]

    def web_env(self, service: str) -> dict[str, str]:
        # Each gunicorn worker writes its metric samples here; /metrics adds them up.
        folder = self.config.var_dir / "prometheus" / service
        return {**self.service_env(service), "PROMETHEUS_MULTIPROC_DIR": str(folder)}

    def worker_env(self, service: str) -> dict[str, str]:
        port = self.worker_metrics_port(service)
        return {**self.service_env(service), "METRICS_PORT": str(port)}

    def worker_metrics_port(self, service: str) -> int:
        """The configured port of ``service``'s worker /metrics, else a free one of its own."""
        configured = self.config.metrics_ports.get(service)
        return configured or self._spare_metrics_ports.setdefault(service, free_port())

    @staticmethod
    def worker_command(service: str) -> list[str]:
        return [sys.executable, "-m", f"services.{service}.worker"]

    def process_cwd(self, name: str) -> Path | None:
        """The working directory of process ``name`` (None: this process's own)."""
        return None

    def _spawn(self, name: str, command: list[str], env: Mapping[str, str] | None = None) -> None:
        log = open(self.config.var_dir / "log" / f"{name}.log", "ab")  # noqa: SIM115
        self.commands[name] = command
        self.processes[name] = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env or os.environ),
            cwd=self.process_cwd(name),
            preexec_fn=_die_with_parent,
        )
        log.close()
        self._envs[name] = dict(env or os.environ)

    def _wait_healthy(self, service: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        url = f"{self.config.base_url(service)}/healthz"
        while True:
            for name in (f"{service}-web", f"{service}-worker"):
                if name in self.processes and self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited; see {self.config.var_dir}/log/{name}.log")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{service} did not answer {url} within {timeout_s}s")
            time.sleep(0.1)

    # -- for the tests and the run command --------------------------------------

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes[name]
        process.send_signal(sig)
        process.wait(30)

    def restart(self, name: str) -> None:
        self._spawn(name, self.commands[name], self._envs[name])

    def create_demo_agency(
        self,
        code: str = demo.AGENCY_CODE,
        name: str = demo.AGENCY_NAME,
        contact_email: str = demo.AGENCY_CONTACT,
    ) -> str:
        """Register an agency (unless its code is there already: announced to the review
        service, agency.registered) and return a fresh ``agency_admin`` API key for it
        (announced like any key: the key reads the agency's webhook delivery log too).
        Through the use case, not the API, which refuses the demo's ``DEMO-`` codes."""
        from services.submission import store
        from services.submission.usecases.agencies import EnrolAgency, enrol_agency
        from services.submission.usecases.work import SubmissionWork

        engine = make_engine(self.config.database_urls["submission"])
        try:
            command = EnrolAgency(
                code, name, "dinas", contact_email, "081234567890", "agency_admin"
            )
            return enrol_agency(command, SubmissionWork(engine, store.outbox))[1]
        finally:
            engine.dispose()

    def register_agencies(self, *codes: str, kind: str = "dinas") -> None:
        """Register the agencies not registered yet (no key), each announced to the review
        service, which refuses a reviewer whose agency it has not heard of."""
        from services.submission import store
        from services.submission.usecases.agencies import register_agency
        from services.submission.usecases.work import SubmissionWork

        engine = make_engine(self.config.database_urls["submission"])
        try:
            for code in codes:
                with engine.connect() as conn:
                    known = store.find_agency_by_code(conn, code)
                if known is None:
                    # As ``create_demo_agency(code, f"Dinas {code}")`` would have registered it.
                    fields = {
                        "code": code,
                        "name": f"Dinas {code}",
                        "type": kind,
                        "contact_email": "inovasi@dinkes.example.go.id",
                        "contact_phone": "081234567890",
                    }
                    register_agency(fields, SubmissionWork(engine, store.outbox))
        finally:
            engine.dispose()

    def await_agencies(self, *codes: str, timeout_s: float = 30) -> None:
        """Register the agencies (``register_agencies``) and return once the review service
        knows every one of them (its worker consumed the announcements)."""
        self.register_agencies(*codes)
        request = urllib.request.Request(
            f"{self.config.base_url('review')}/v1/agencies",
            headers={"Authorization": f"Bearer {self.config.admin_token}"},
        )
        deadline = time.monotonic() + timeout_s
        while True:
            with urllib.request.urlopen(request, timeout=10) as answer:
                known = {a["code"] for a in json.load(answer)["items"]}
            if known >= set(codes):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the review service never heard of {set(codes) - known}")
            time.sleep(0.2)

    def post_user(self, body: dict[str, object], timeout_s: float = 30) -> int:
        """POST /v1/users with the admin token; the status. A 422 is tried again until
        ``timeout_s``: the review worker may not have consumed the agency's announcement yet."""
        request = urllib.request.Request(
            f"{self.config.base_url('review')}/v1/users",
            data=json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {self.config.admin_token}",
                "Content-Type": "application/json",
            },
            method="POST",
        )
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                urllib.request.urlopen(request, timeout=10).close()
                return 201
            except urllib.error.HTTPError as exc:
                if exc.code != 422 or time.monotonic() > deadline:
                    return exc.code
            time.sleep(0.2)

    def create_demo_review_team(
        self, people: list[tuple[str, str, str, str, list[str]]] = demo.TEAM
    ) -> tuple[str, str]:
        """Accounts (name, email, agency code, role, expertise), all with one new password;
        returns the first one's email and that password. Accounts that exist already
        are left as they are."""
        password = secrets.token_urlsafe(12)
        self.register_agencies(*sorted({agency for _, _, agency, _, _ in people}))
        for n, (name, email, agency, role, expertise) in enumerate(people):
            body = {
                "name": name,
                "email": email,
                "agency_code": agency,
                "role": role,
                "expertise": expertise,
                "password": password,
                "phone": f"08131111222{n}",
            }
            status = self.post_user(body)
            # 409: that account exists (an earlier run's password holds)
            if status not in (201, 409):
                raise RuntimeError(f"creating the demo account {email} answered {status}")
        return people[0][1], password

    def failed(self) -> list[str]:
        return [name for name, process in self.processes.items() if process.poll() is not None]

    # -- stopping ---------------------------------------------------------------

    def stop(self, grace_s: float = 25) -> None:
        """SIGTERM every process, wait for them, SIGKILL what is left; then the broker."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
        if self.broker:
            self.broker.stop()
            self.broker = None


DEMO_PROPOSAL = {
    "title": "Posyandu Digital: antrean dan rekam gizi balita lewat WhatsApp",
    "summary": "Kader posyandu mencatat tumbuh kembang balita lewat ponsel; orang tua menerima jadwal dan hasil.",
    "category": "health",
    "form": "public_service",
    "kind": "digital",
    "maturity": "trial",
    "lab_stage": "deliver",
    "problem": "Catatan gizi balita tercecer di buku kader dan terlambat sampai ke puskesmas.",
    "solution": "Formulir ponsel untuk kader, dasbor untuk puskesmas, pengingat WhatsApp untuk orang tua.",
    "expected_benefits": "Balita berisiko gizi buruk terdeteksi dalam hitungan hari, bukan bulan.",
    "results": "Uji coba di 12 posyandu, 1.400 balita tercatat.",
    "budget_idr": 150000000,
    "trial_date": "2026-02-01",
    "innovators": [
        {
            "name": "Siti Rahmawati",
            "email": "siti.rahmawati@example.org",
            "phone": "081234567890",
            # She agreed on the portal to SMS/WhatsApp: without it, email only (PRIVACY.md).
            "instant_consent_at": "2026-01-15T09:00:00+07:00",
        }
    ],
    "evidence_links": ["https://example.org/demo/posyandu-digital"],
}


def curl_command(base_url: str, api_key: str) -> str:
    return (
        f"curl -sS -X POST {base_url}/v1/proposals -H 'Authorization: Bearer {api_key}' "
        f"-H 'Content-Type: application/json' -H \"Idempotency-Key: $(date +%s%N)\" "
        f"-d {shlex.quote(json.dumps(DEMO_PROPOSAL, ensure_ascii=False))}"
    )


def bring_up(stack: Stack) -> demo.Seeded | None:
    """Start everything; then, in demo mode only, seed the demo (what ``make run`` does)."""
    stack.start()
    return demo.seed(stack) if stack.config.demo else None


def welcome(stack: Stack, seeded: demo.Seeded | None) -> str:
    """What ``make run`` prints once everything answers: where things are and, in demo
    mode, the demo's credentials and a proposal to submit."""
    config = stack.config
    t = config.admin_token
    broker_kind = {"tansu": "local Tansu", "kafka": "Apache Kafka, one node"}[config.broker]
    review_ui = (
        f"web UI: /ui/login as {seeded.login} / {seeded.password};\n"
        f"                three demo reviewers with the same password)\n"
        if seeded
        else "web UI: /ui/login; no accounts: demo mode is off)\n"
    )
    hook_url = seeded.hook_url if seeded else ""
    lines = (
        "\nInagara is running.\n"
        f"  broker        {stack.bootstrap_servers}{'' if config.kafka_bootstrap_servers else f' ({broker_kind})'}\n"
        f"  submission    {config.base_url('submission')}   (API docs: /docs, /openapi.json)\n"
        f"  review        {config.base_url('review')}   ({review_ui}"
        f"                pipeline status: {config.base_url('review')}/ui/pipeline\n"
        f"  notification  {config.base_url('notification')}\n"
        f"  results       {config.base_url('results')}   (public: /, /katalog; feed /v1/cycles)\n"
        f"  SMTP          {stack.smtp_host}:{config.smtp_port}"
        f"{'' if config.smtp_host else f' (catcher; mail kept in {config.mail_dir}, list with `make mail`)'}\n"
        f"  SMS gateway   {stack.sms_gateway_url or 'none (no SMS)'}"
        f"{' (local; SMS kept in ' + str(config.sms_dir) + ', list with `make sms`)' if config.sms_gateway and not config.sms_gateway_url else ''}\n"
        f"  WhatsApp      {stack.whatsapp_api_url or 'none (no WhatsApp)'}"
        f"{' (local stand-in; kept in ' + str(config.whatsapp_dir) + ', list with `make whatsapp`; ' + config.not_on_whatsapp + '... not on WhatsApp)' if config.whatsapp and not config.whatsapp_api_url else ''}\n"
        f"  portal        {hook_url or stack.portal_url or 'none'}"
        f"{' (webhooks of the demo agency; each printed in var/log/portal.log)' if hook_url else ''}\n"
        f"  admin token   {t}\n"
    )
    if not seeded:
        return (
            lines
            + "  demo          off (INAGARA_DEMO=0): nothing seeded\n\nCtrl-C stops everything."
        )
    return (
        lines + f"  demo agency   {demo.AGENCY_CODE}, API key {seeded.api_key}"
        " (`make demo-clean` removes the demo data)\n\n"
        "Submit a proposal:\n"
        f"{curl_command(config.base_url('submission'), seeded.api_key)}\n\n"
        "Then, with PROPOSAL_ID from its answer:\n"
        f"curl -sS {config.base_url('review')}/v1/proposals/$PROPOSAL_ID -H 'Authorization: Bearer {t}'\n"
        f"curl -sS '{config.base_url('notification')}/v1/deliveries?proposal_id='$PROPOSAL_ID "
        f"-H 'Authorization: Bearer {t}'\n\n"
        "Ctrl-C stops everything."
    )


def main() -> int:
    config = StackConfig.from_env(os.environ)
    stack = Stack(config)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print("starting Inagara (logs in var/log/) ...", flush=True)
    try:
        seeded = bring_up(stack)
        print(welcome(stack, seeded), flush=True)
        while not stop.wait(1):
            if dead := stack.failed():
                print(f"stopped unexpectedly: {', '.join(dead)} (see var/log/)", file=sys.stderr)
                return 1
        return 0
    except (RuntimeError, TimeoutError) as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 1
    finally:
        print("\nstopping ...", flush=True)
        stack.stop()
        print("stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
