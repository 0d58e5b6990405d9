"""A local SMS gateway that speaks the Twilio Messages API and a generic JSON webhook.

    python -m deploy.local.smsgateway serve --dir var/sms --port 9025 [--host 0.0.0.0]
    python -m deploy.local.smsgateway list --dir var/sms

- ``POST /2010-04-01/Accounts/<sid>/Messages.json`` (form ``To``, ``From``,
  ``Body``; basic auth ``<sid>:<token>``) answers 201 with ``{"sid": "SM..."}``.
- ``POST /messages`` (JSON ``to``, ``from``, ``text``, ``reference``; bearer
  token) answers 200 with ``{"id": "..."}``; a repeated ``reference`` is
  answered with the first id and not kept twice.
- ``POST /_control`` with ``{"fail": [500, 500], "stall": 1}`` makes the next
  requests answer those statuses, then stall (never answer in time);
  ``GET /_messages`` lists what was kept.

Every accepted SMS is kept in memory and, with ``--dir``, as
``<dir>/<time>-<n>.json`` (written atomically).
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TWILIO_ROUTE = re.compile(r"^/2010-04-01/Accounts/([A-Za-z0-9]+)/Messages\.json$")
WEBHOOK_ROUTE = "/messages"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
STALL = "stall"


@dataclass(frozen=True)
class ReceivedSms:
    id: str
    api: str  # "twilio" or "webhook"
    to: str
    sender: str
    text: str
    reference: str = ""
    received_at: float = field(default_factory=time.time)


class Gateway:
    """The gateway's state, shared by the request threads."""

    def __init__(self, directory: Path | None = None, token: str = "", stall_s: float = 30.0):
        self.directory = directory
        self.token = token
        self.stall_s = stall_s
        self.messages: list[ReceivedSms] = []
        self.requests = 0
        self._plan: list[int | str] = []
        self._by_reference: dict[str, str] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        if directory:
            directory.mkdir(parents=True, exist_ok=True)

    def plan(self, *behaviours: int | str) -> None:
        """The next requests answer these statuses (or ``"stall"``), in order."""
        with self._lock:
            self._plan.extend(behaviours)

    def next_behaviour(self) -> int | str | None:
        with self._lock:
            self.requests += 1
            return self._plan.pop(0) if self._plan else None

    def accept(self, api: str, to: str, sender: str, text: str, reference: str = "") -> str:
        with self._lock:
            if reference and reference in self._by_reference:
                return self._by_reference[reference]
            sms = ReceivedSms(
                f"SM{os.getpid():x}{next(self._ids):08d}", api, to, sender, text, reference
            )
            self.messages.append(sms)
            if reference:
                self._by_reference[reference] = sms.id
        if self.directory:
            name = f"{time.time_ns()}-{sms.id}.json"
            tmp = self.directory / f".{name}.tmp"
            tmp.write_text(json.dumps(asdict(sms), ensure_ascii=False))
            os.replace(tmp, self.directory / name)
        return sms.id


def read_sms(directory: Path) -> list[ReceivedSms]:
    """Every SMS kept in ``directory``, oldest first."""
    return [ReceivedSms(**json.loads(p.read_text())) for p in sorted(directory.glob("*.json"))]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _body(self) -> bytes | None:
        """The whole body, or None when the client went away before sending all of it."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        return body if len(body) == length else None

    def do_GET(self) -> None:
        if self.path == "/_messages":
            self._reply(200, {"messages": [asdict(m) for m in self.server.gateway.messages]})
        else:
            self._reply(404, {"message": "not found"})

    def do_POST(self) -> None:
        gateway = self.server.gateway
        body = self._body()
        if body is None:
            self.close_connection = True  # an unfinished request is never acted on
            return
        if self.path == "/_control":
            command = json.loads(body or b"{}")
            gateway.plan(*command.get("fail", []), *([STALL] * int(command.get("stall", 0))))
            self._reply(200, {"ok": True})
            return
        twilio = TWILIO_ROUTE.match(self.path.split("?")[0])
        if not twilio and self.path != WEBHOOK_ROUTE:
            self._reply(404, {"message": "not found"})
            return
        behaviour = gateway.next_behaviour()
        if behaviour == STALL:
            time.sleep(gateway.stall_s)
            return
        if isinstance(behaviour, int):
            self._reply(behaviour, {"code": behaviour, "message": "failure planned by the test"})
            return
        if twilio:
            self._twilio(twilio.group(1), body)
        else:
            self._webhook(body)

    def _twilio(self, sid: str, body: bytes) -> None:
        gateway = self.server.gateway
        expected = "Basic " + base64.b64encode(f"{sid}:{gateway.token}".encode()).decode()
        if gateway.token and self.headers.get("Authorization") != expected:
            self._reply(401, {"code": 20003, "message": "Authenticate"})
            return
        form = urllib.parse.parse_qs(body.decode())
        to, sender = form.get("To", [""])[0], form.get("From", [""])[0]
        text = form.get("Body", [""])[0]
        if not E164.match(to):
            self._reply(400, {"code": 21211, "message": f"The 'To' number {to} is not valid."})
            return
        sms_id = gateway.accept("twilio", to, sender, text)
        self._reply(201, {"sid": sms_id, "status": "queued", "to": to, "body": text})

    def _webhook(self, body: bytes) -> None:
        gateway = self.server.gateway
        if gateway.token and self.headers.get("Authorization") != f"Bearer {gateway.token}":
            self._reply(401, {"message": "bad token"})
            return
        try:
            message = json.loads(body)
            to, text = str(message["to"]), str(message["text"])
        except (ValueError, KeyError, TypeError):
            self._reply(400, {"message": "send JSON with to and text"})
            return
        if not E164.match(to):
            self._reply(400, {"message": f"not an E.164 number: {to}"})
            return
        sms_id = gateway.accept(
            "webhook", to, str(message.get("from", "")), text, str(message.get("reference", ""))
        )
        self._reply(200, {"id": sms_id})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], gateway: Gateway) -> None:
        super().__init__(address, _Handler)
        self.gateway = gateway


class SmsGatewayServer:
    """The gateway in a background thread (for tests and the local stack)."""

    def __init__(
        self,
        port: int = 0,
        directory: Path | None = None,
        token: str = "",
        stall_s: float = 30.0,
        host: str = "127.0.0.1",
    ) -> None:
        self.gateway = Gateway(directory, token, stall_s)
        self._server = _Server((host, port), self.gateway)
        # A short poll interval: stop() (shutdown) waits for one.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def twilio_url(self, sid: str = "ACLOCAL") -> str:
        return f"{self.base_url}/2010-04-01/Accounts/{sid}/Messages.json"

    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}{WEBHOOK_ROUTE}"

    def start(self) -> SmsGatewayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SmsGatewayServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.local.smsgateway")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="answer SMS API calls until stopped")
    serve.add_argument("--dir", type=Path, default=Path("var/sms"))
    serve.add_argument("--port", type=int, default=9025)
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (0.0.0.0 in a container)"
    )
    serve.add_argument("--token", default="", help="require this token (empty: any)")
    listing = commands.add_parser("list", help="print the SMS kept in --dir")
    listing.add_argument("--dir", type=Path, default=Path("var/sms"))
    args = parser.parse_args(argv)
    if args.command == "list":
        kept = read_sms(args.dir) if args.dir.exists() else []
        for sms in kept:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(sms.received_at))
            print(f"{stamp}  {sms.to:<16} {sms.text}")
        print(f"{len(kept)} SMS in {args.dir}")
        return 0
    server = SmsGatewayServer(args.port, args.dir, args.token, host=args.host).start()
    print(
        f"SMS gateway on {server.twilio_url()} and {server.webhook_url}; keeping SMS in {args.dir}"
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
