"""A local agency portal that receives webhooks and prints what it receives.

    python -m deploy.local.portal serve --port 9027 [--secret NAME=whsec_...]

- ``POST /hooks/<name>``: one webhook for the portal ``<name>`` (one name per
  endpoint, e.g. one per agency). It is kept with its headers; when a secret is
  known for ``<name>`` (``--secret`` or ``POST /_secrets``) the Standard Webhooks
  signature is checked and the result printed. A ``webhook-id`` seen before is
  acknowledged again and not kept twice (the portal drops a repeat).
- ``POST /_control`` with ``{"name": "dinkes", "fail": [500, 500]}``: the next
  requests to that hook answer those statuses (then 200 again).
- ``POST /_secrets`` with ``{"name": "dinkes", "secret": "whsec_..."}``.
- ``GET /_received?name=dinkes``: what was kept, oldest first.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import signal
import sys
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOOKS = "/hooks/"
MAX_BODY = 1_048_576


def signature_valid(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The Standard Webhooks check (the reference library does the same): one of the
    ``v1,`` signatures is HMAC-SHA256 of ``id.timestamp.body`` under the secret."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers.get('webhook-id', '')}.{headers.get('webhook-timestamp', '')}.".encode()
    expected = base64.b64encode(hmac.new(key, signed + body, hashlib.sha256).digest()).decode()
    given = [s.partition(",")[2] for s in headers.get("webhook-signature", "").split()]
    return any(hmac.compare_digest(expected, g) for g in given)


@dataclass
class Received:
    name: str
    headers: dict[str, str]
    body: str
    verified: bool | None
    received_at: float = field(default_factory=time.time)


class Portal:
    """What the portal received and how it answers, shared by the request threads."""

    def __init__(self, secrets: dict[str, str] | None = None, quiet: bool = False) -> None:
        self.secrets = dict(secrets or {})
        self.quiet = quiet
        self._received: list[Received] = []
        self._seen: set[tuple[str, str]] = set()
        self._plans: dict[str, list[int]] = {}
        self.requests: dict[str, int] = {}
        self._lock = threading.Lock()

    def plan(self, name: str, statuses: list[int]) -> None:
        with self._lock:
            self._plans[name] = list(statuses)

    def receive(self, name: str, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            self.requests[name] = self.requests.get(name, 0) + 1
            plan = self._plans.get(name)
            if plan:
                return plan.pop(0)
            secret = self.secrets.get(name)
            verified = signature_valid(secret, headers, body) if secret else None
            if verified is False:
                return 401
            key = (name, headers.get("webhook-id", ""))
            if key in self._seen:
                return 200
            self._seen.add(key)
            entry = Received(name, headers, body.decode("utf-8", "replace"), verified)
            self._received.append(entry)
        if not self.quiet:
            event = json.loads(entry.body) if entry.body.startswith("{") else {}
            mark = {True: "signature ok", False: "BAD signature", None: "unchecked"}[verified]
            print(
                f"portal {name}: {event.get('type')} {event.get('subject')} "
                f"(webhook-id {key[1]}, {mark})",
                flush=True,
            )
        return 200

    def received(self, name: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self._received if name is None or r.name == name]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, MAX_BODY))

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/_received":
            self._reply(404, {"error": "not found"})
            return
        name = urllib.parse.parse_qs(url.query).get("name", [None])[0]
        self._reply(200, [asdict(r) for r in self.server.portal.received(name)])

    def do_POST(self) -> None:
        body = self._body()
        portal = self.server.portal
        if self.path.startswith(HOOKS):
            name = self.path[len(HOOKS) :].split("?")[0]
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = portal.receive(name, headers, body)
            self._reply(status, {"status": status})
        elif self.path == "/_control":
            order = json.loads(body or b"{}")
            portal.plan(order["name"], [int(s) for s in order.get("fail", [])])
            self._reply(200, {"ok": True})
        elif self.path == "/_secrets":
            order = json.loads(body or b"{}")
            portal.secrets[order["name"]] = order["secret"]
            self._reply(200, {"ok": True})
        else:
            self._reply(404, {"error": "not found"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], portal: Portal) -> None:
        super().__init__(address, _Handler)
        self.portal = portal


class PortalServer:
    """The portal in a background thread (for tests)."""

    def __init__(
        self, port: int = 0, host: str = "127.0.0.1", portal: Portal | None = None
    ) -> None:
        self.portal = portal or Portal(quiet=True)
        self._server = _Server((host, port), self.portal)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def hook_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}{HOOKS}{name}"

    def start(self) -> PortalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.local.portal")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="receive webhooks until stopped")
    serve.add_argument("--port", type=int, default=9027)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--secret", action="append", default=[], help="NAME=whsec_...")
    args = parser.parse_args(argv)
    secrets = dict(s.split("=", 1) for s in args.secret)
    server = _Server((args.host, args.port), Portal(secrets))
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"portal stand-in on http://{args.host}:{args.port}{HOOKS}<name>", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
