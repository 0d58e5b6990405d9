"""Sends a webhook delivery to its endpoint: signed (Standard Webhooks), to an address
checked again right before the request (``shared/platform/egress.py``), without
following redirects, reading at most ``RESPONSE_LIMIT`` bytes of the answer under a
short timeout.

The connection goes to the very address that was checked (a name that resolves
elsewhere a moment later is not asked again); HTTPS still verifies the certificate
against the URL's host name.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from services.notification.adapters.mailer import PermanentSendError, TransientSendError
from services.notification.domain.webhooks import NOT_SENT_PREFIX, Endpoint
from shared.platform import egress, webhooks

RESPONSE_LIMIT = 4096
EXCERPT = 300
USER_AGENT = "Inagara-Webhooks/1"


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Reply:
    status: int
    excerpt: str
    millis: int

    def summary(self) -> str:
        return f"HTTP {self.status} in {self.millis} ms: {self.excerpt}"


@dataclass
class WebhookSender:
    """Posts one delivery's body to its endpoint; the endpoint is looked up at send time
    (paused, deleted or disabled since it was recorded: not sent)."""

    endpoint_of: Callable[[str], Endpoint | None]
    secret_key: str
    allowed: Sequence[egress.Network] = ()
    timeout_s: float = 5.0
    resolver: egress.Resolver = egress.resolve
    now: Callable[[], float] = field(default=time.time)

    def send(self, delivery: dict[str, Any], hand_over: Callable[[], None]) -> str:
        endpoint = self.endpoint_of(delivery["recipient"])
        if endpoint is None or not endpoint.sending:
            state = (
                "unknown"
                if endpoint is None
                else "disabled"
                if endpoint.disabled_at
                else endpoint.state
            )
            raise PermanentSendError(f"{NOT_SENT_PREFIX}{state}: not sent")
        try:
            addresses = egress.checked_addresses(endpoint.url, self.allowed, self.resolver)
        except egress.Refused as exc:
            raise PermanentSendError(f"refused: {exc}") from exc
        body = delivery["body_text"].encode("utf-8")
        moment = self.now()
        secrets = [
            webhooks.endpoint_secret(self.secret_key, endpoint.endpoint_id, g)
            for g in endpoint.generations(datetime.fromtimestamp(moment, UTC))
        ]
        headers = {
            **webhooks.headers(secrets, delivery["id"], int(moment), body),
            "Content-Type": "application/cloudevents+json",
            "User-Agent": USER_AGENT,
        }
        reply = post(endpoint.url, addresses[0], body, headers, self.timeout_s, hand_over)
        if 200 <= reply.status < 300:
            return reply.summary()[:200]
        raise TransientSendError(reply.summary())


def post(
    url: str,
    address: str,
    body: bytes,
    headers: dict[str, str],
    timeout_s: float,
    hand_over: Callable[[], None],
) -> Reply:
    """POST ``body`` to ``url`` at ``address``, handing it over just before its last
    byte; raises ``TransientSendError`` when it cannot be delivered or is not answered."""
    scheme, host, port = egress.target(url)
    parts = urlsplit(url)
    pinned = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    connection = pinned(host, port, address, timeout_s)
    started = time.monotonic()
    try:
        try:
            connection.putrequest(
                "POST", (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            )
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                connection.putheader(name, value)
            connection.endheaders()
            connection.send(body[:-1])
        except (OSError, http.client.HTTPException) as exc:
            raise TransientSendError(f"unreachable: {exc!r}") from exc
        hand_over()
        try:
            connection.send(body[-1:])
            response = connection.getresponse()
            read = response.read(RESPONSE_LIMIT)
        except (OSError, http.client.HTTPException) as exc:
            raise TransientSendError(f"no answer: {exc!r}") from exc
        millis = int((time.monotonic() - started) * 1000)
        excerpt = read[:EXCERPT].decode("utf-8", "replace")
        return Reply(response.status, " ".join(excerpt.split()), millis)
    finally:
        connection.close()
