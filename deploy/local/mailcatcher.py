"""A local SMTP server (aiosmtpd) that keeps every email it accepts as a file.

    python -m deploy.local.mailcatcher serve --dir var/mail --port 1025
    python -m deploy.local.mailcatcher list --dir var/mail

Each message is written to ``<dir>/<time>-<n>.eml`` (atomically, so a reader
never sees half a file) with the envelope in ``X-Envelope-*`` headers.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import itertools
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

_counter = itertools.count(1)
_lock = threading.Lock()


@dataclass(frozen=True)
class CaughtMail:
    path: Path
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        return body.get_content() if body is not None else ""


class SaveToDirectory:
    """aiosmtpd handler: accept every message and write it to ``directory``."""

    def __init__(self, directory: Path, delay_s: float = 0.0) -> None:
        self.directory = directory
        self.delay_s = delay_s
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        with _lock:
            name = f"{time.time_ns()}-{os.getpid()}-{next(_counter):06d}.eml"
        header = (
            f"X-Envelope-From: {envelope.mail_from}\r\n"
            f"X-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        tmp = self.directory / f".{name}.tmp"
        tmp.write_bytes(header + envelope.original_content)
        os.replace(tmp, self.directory / name)
        return "250 Message accepted for delivery"


def read_mail(directory: Path) -> list[CaughtMail]:
    """Every email caught in ``directory``, oldest first."""
    caught = []
    for path in sorted(directory.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        caught.append(
            CaughtMail(
                path=path,
                mail_from=str(message["X-Envelope-From"] or ""),
                rcpt_tos=[
                    r.strip() for r in str(message["X-Envelope-To"] or "").split(",") if r.strip()
                ],
                message=message,
            )
        )
    return caught


def start(
    directory: Path, host: str = "127.0.0.1", port: int = 1025, delay_s: float = 0.0
) -> Controller:
    """Start the catcher in a background thread; ``.stop()`` the returned controller."""
    controller = Controller(SaveToDirectory(directory, delay_s), hostname=host, port=port)
    controller.start()
    return controller


def _serve(args: argparse.Namespace) -> int:
    controller = start(Path(args.dir), args.host, args.port, args.delay_ms / 1000)
    print(f"mail catcher on {args.host}:{args.port}, keeping mail in {args.dir}", flush=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


def _list(args: argparse.Namespace) -> int:
    caught = read_mail(Path(args.dir))
    for mail in caught:
        print(f"{mail.path.name}  to={','.join(mail.rcpt_tos)}  subject={mail.subject}")
    print(f"{len(caught)} message(s) in {args.dir}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.local.mailcatcher", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="accept mail and keep it as files")
    serve.add_argument("--dir", default="var/mail")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=1025)
    serve.add_argument(
        "--delay-ms", type=int, default=0, help="answer each message this much later"
    )
    listing = commands.add_parser("list", help="list the mail kept so far")
    listing.add_argument("--dir", default="var/mail")
    args = parser.parse_args(argv)
    return _serve(args) if args.command == "serve" else _list(args)


if __name__ == "__main__":
    sys.exit(main())
