"""A local stand-in for the WhatsApp Business Cloud API (template messages).

    python -m deploy.local.whatsapp serve --dir var/whatsapp --port 9026 \\
        [--templates services/notification/templates/whatsapp] [--not-on-whatsapp +62899]
    python -m deploy.local.whatsapp list --dir var/whatsapp

- ``POST /<version>/<phone-number-id>/messages`` with ``Authorization: Bearer
  <token>`` and ``{"messaging_product": "whatsapp", "to", "type": "template",
  "template": {"name", "language": {"code"}, "components": [{"type": "body",
  "parameters": [{"type": "text", "text"}, ...]}]}}`` answers 200 with
  ``{"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}],
  "messages": [{"id": "wamid..."}]}``.
- Errors come as the Cloud API's ``{"error": {"message", "type", "code",
  "error_data": {"messaging_product", "details"}, "fbtrace_id"}}``: 401 / 190
  for a wrong token, 400 / 100 for a malformed message, 400 / 131026 for a
  number not on WhatsApp (``--not-on-whatsapp``: numbers or prefixes), with
  ``--templates`` 404 / 132001 for an unknown template and 400 / 132000 for a
  wrong number of parameters.
- ``POST /_control`` with ``{"fail": [429, 500, "stall"], "not_on_whatsapp":
  ["+62899"]}`` makes the next requests answer 429 (code 130429, rate limit
  hit), 5xx (code 131000) or stall (never answer in time), and adds numbers or
  prefixes that are not on WhatsApp; ``GET /_messages`` lists what was accepted.

Every accepted message is printed (the template filled in, when ``--templates``
has it), kept in memory and, with ``--dir``, as ``<dir>/<time>-<id>.json``.
Standard library only, so that it runs on the plain Python image in compose.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import signal
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROUTE = re.compile(r"^/(v\d+\.\d+)/([0-9A-Za-z_-]+)/messages$")
DIGITS = re.compile(r"^\d{7,15}$")
PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")
STALL = "stall"
TEMPLATE_PREFIX = "inagara_"
NOT_ON_WHATSAPP, RATE_LIMITED, GENERIC = 131026, 130429, 131000


@dataclass(frozen=True)
class ReceivedWhatsApp:
    id: str
    to: str  # E.164, with its +
    template: str
    language: str
    parameters: list[str]
    text: str = ""  # the template filled in, when the stand-in knows the template
    received_at: float = field(default_factory=time.time)


def _error(code: int, message: str, details: str = "") -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details or message},
            "fbtrace_id": f"A{time.time_ns():x}",
        }
    }


class CloudApiState:
    """The stand-in's state, shared by the request threads."""

    def __init__(
        self,
        directory: Path | None = None,
        token: str = "",
        stall_s: float = 30.0,
        templates: Path | None = None,
        not_on_whatsapp: tuple[str, ...] = (),
        quiet: bool = True,
    ) -> None:
        self.directory = directory
        self.token = token
        self.stall_s = stall_s
        self.templates = templates
        self.not_on_whatsapp: set[str] = set(not_on_whatsapp)
        self.quiet = quiet
        self.messages: list[ReceivedWhatsApp] = []
        self.requests = 0
        self._plan: list[int | str] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        if directory:
            directory.mkdir(parents=True, exist_ok=True)

    def plan(self, *behaviours: int | str) -> None:
        """The next requests answer these statuses (or ``"stall"``), in order."""
        with self._lock:
            self._plan.extend(behaviours)

    def refuse(self, *numbers_or_prefixes: str) -> None:
        """Numbers (or prefixes of numbers) that are not on WhatsApp."""
        with self._lock:
            self.not_on_whatsapp.update(numbers_or_prefixes)

    def next_behaviour(self) -> int | str | None:
        with self._lock:
            self.requests += 1
            return self._plan.pop(0) if self._plan else None

    def on_whatsapp(self, number: str) -> bool:
        with self._lock:
            return not any(number.startswith(p) for p in self.not_on_whatsapp)

    def template_text(self, name: str, language: str) -> str | None:
        """The approved template's text, or None when the stand-in does not know it."""
        if self.templates is None:
            return None
        path = self.templates / f"{name.removeprefix(TEMPLATE_PREFIX)}.{language}.txt"
        return path.read_text(encoding="utf-8").strip() if path.is_file() else None

    def accept(self, to: str, name: str, language: str, parameters: list[str], text: str) -> str:
        with self._lock:
            message = ReceivedWhatsApp(
                f"wamid.{os.getpid():x}{next(self._ids):010d}", to, name, language, parameters, text
            )
            self.messages.append(message)
        if self.directory:
            path = self.directory / f"{time.time_ns()}-{message.id}.json"
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(json.dumps(asdict(message), ensure_ascii=False))
            os.replace(tmp, path)
        if not self.quiet:
            print(f"WhatsApp to {to} [{name}/{language}]: {text or parameters}", flush=True)
        return message.id


def read_messages(directory: Path) -> list[ReceivedWhatsApp]:
    """Every message kept in ``directory``, oldest first."""
    return [
        ReceivedWhatsApp(**json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(directory.glob("*.json"))
    ]


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
            self._reply(200, {"messages": [asdict(m) for m in self.server.state.messages]})
        else:
            self._reply(404, _error(100, "Unknown path"))

    def do_POST(self) -> None:
        state = self.server.state
        body = self._body()
        if body is None:
            self.close_connection = True  # an unfinished request is never acted on
            return
        if self.path == "/_control":
            command = json.loads(body or b"{}")
            state.plan(*command.get("fail", []), *([STALL] * int(command.get("stall", 0))))
            state.refuse(*command.get("not_on_whatsapp", []))
            self._reply(200, {"ok": True})
            return
        if not ROUTE.match(self.path.split("?")[0]):
            self._reply(404, _error(100, "Unknown path"))
            return
        behaviour = state.next_behaviour()
        if behaviour == STALL:
            time.sleep(state.stall_s)
            return
        if behaviour == 429:
            self._reply(429, _error(RATE_LIMITED, "(#130429) Rate limit hit"))
            return
        if isinstance(behaviour, int):
            self._reply(behaviour, _error(GENERIC, "Something went wrong", "planned by the test"))
            return
        if state.token and self.headers.get("Authorization") != f"Bearer {state.token}":
            self._reply(401, _error(190, "Invalid OAuth access token."))
            return
        self._message(body)

    def _message(self, body: bytes) -> None:
        state = self.server.state
        try:
            message = json.loads(body)
            assert message["messaging_product"] == "whatsapp" and message["type"] == "template"
            to = str(message["to"]).lstrip("+")
            template = message["template"]
            name, language = str(template["name"]), str(template["language"]["code"])
            parameters = [
                str(p["text"])
                for c in template.get("components", [])
                if c["type"] == "body"
                for p in c["parameters"]
            ]
        except (ValueError, KeyError, TypeError, AssertionError):
            self._reply(400, _error(100, "Invalid parameter", "send a template message"))
            return
        if not DIGITS.match(to):
            self._reply(400, _error(100, "Invalid parameter", f"'to' is not a number: {to}"))
            return
        if any("\n" in p or "\t" in p for p in parameters):
            self._reply(400, _error(132018, "There was an issue with the parameters"))
            return
        text = state.template_text(name, language)
        if state.templates is not None and text is None:
            self._reply(404, _error(132001, "Template name does not exist in the translation"))
            return
        if text is not None:
            wanted = {int(n) for n in PLACEHOLDER.findall(text)}
            if len(wanted) != len(parameters):
                self._reply(
                    400,
                    _error(
                        132000,
                        "Number of parameters does not match the expected number of params",
                        f"body: expected {len(wanted)}, got {len(parameters)}",
                    ),
                )
                return
            text = PLACEHOLDER.sub(lambda m: parameters[int(m.group(1)) - 1], text)
        if not state.on_whatsapp(f"+{to}"):
            self._reply(
                400,
                _error(NOT_ON_WHATSAPP, "Message undeliverable", f"+{to} is not on WhatsApp"),
            )
            return
        message_id = state.accept(f"+{to}", name, language, parameters, text or "")
        self._reply(
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": message["to"], "wa_id": to}],
                "messages": [{"id": message_id, "message_status": "accepted"}],
            },
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], state: CloudApiState) -> None:
        super().__init__(address, _Handler)
        self.state = state


class WhatsAppServer:
    """The stand-in in a background thread (for tests and the local stack)."""

    def __init__(
        self,
        port: int = 0,
        directory: Path | None = None,
        token: str = "",
        stall_s: float = 30.0,
        host: str = "127.0.0.1",
        templates: Path | None = None,
        not_on_whatsapp: tuple[str, ...] = (),
        quiet: bool = True,
    ) -> None:
        self.state = CloudApiState(directory, token, stall_s, templates, not_on_whatsapp, quiet)
        self._server = _Server((host, port), self.state)
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

    def start(self) -> WhatsAppServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WhatsAppServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.local.whatsapp")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="answer WhatsApp Cloud API calls until stopped")
    serve.add_argument("--dir", type=Path, default=Path("var/whatsapp"))
    serve.add_argument("--port", type=int, default=9026)
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (0.0.0.0 in a container)"
    )
    serve.add_argument("--token", default="", help="require this bearer token (empty: any)")
    serve.add_argument("--templates", type=Path, help="the approved templates' texts")
    serve.add_argument(
        "--not-on-whatsapp",
        default="",
        help="comma-separated numbers or prefixes (E.164) that are not on WhatsApp",
    )
    listing = commands.add_parser("list", help="print the messages kept in --dir")
    listing.add_argument("--dir", type=Path, default=Path("var/whatsapp"))
    args = parser.parse_args(argv)
    if args.command == "list":
        kept = read_messages(args.dir) if args.dir.exists() else []
        for message in kept:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(message.received_at))
            print(f"{stamp}  {message.to:<16} {message.text or message.parameters}")
        print(f"{len(kept)} WhatsApp messages in {args.dir}")
        return 0
    refused = tuple(n.strip() for n in args.not_on_whatsapp.split(",") if n.strip())
    server = WhatsAppServer(
        args.port,
        args.dir,
        args.token,
        host=args.host,
        templates=args.templates,
        not_on_whatsapp=refused,
        quiet=False,
    ).start()
    print(
        f"WhatsApp Cloud API stand-in on {server.base_url}/v21.0/<phone-number-id>/messages; "
        f"keeping messages in {args.dir}; not on WhatsApp: {', '.join(refused) or 'nobody'}",
        flush=True,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
