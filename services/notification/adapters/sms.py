"""The SMS gateway port: a Twilio-style REST API or a generic JSON webhook for
real, a list for unit tests.

Errors are classified as the mailer's are: a 4xx answer (bad number, refused)
is permanent; 5xx, 408, 429, a timeout or a refused connection is transient.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from services.notification.adapters.mailer import PermanentSendError, TransientSendError
from services.notification.config import TWILIO, TWILIO_PATH
from services.notification.domain import gsm7


class SmsGateway(Protocol):
    def send(self, to: str, text: str, reference: str, hand_over: Callable[[], None] = ...) -> str:
        """Hand one SMS to the gateway; returns the gateway's message id.

        ``hand_over`` runs just before the gateway can accept it. Blocks on the
        HTTP call (bounded by the timeout); raises ``PermanentSendError`` or
        ``TransientSendError``.
        """
        ...


def _no_hand_over() -> None:
    pass


def exchange(
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout_s: float,
    hand_over: Callable[[], None],
) -> tuple[int, bytes]:
    """POST ``body``, handing it over just before its last byte; the reply's status and body.

    The gateway cannot act on a request it has not received whole: a process
    killed before the last byte leaves nothing to send twice, and ``hand_over``
    (the dispatcher's commit) has run before anything could be accepted. Raises
    ``TransientSendError`` when the server cannot be reached or does not answer.
    """
    parts = urllib.parse.urlsplit(url)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.netloc, timeout=timeout_s)
    try:
        try:
            connection.connect()
            if connection.sock is not None:
                # The last byte is a write of its own: do not let Nagle hold it back.
                connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection.putrequest("POST", parts.path + (f"?{parts.query}" if parts.query else ""))
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                connection.putheader(name, value)
            connection.endheaders()
            connection.send(body[:-1])
        except OSError as exc:
            raise TransientSendError(f"gateway unreachable: {exc!r}") from exc
        hand_over()
        try:
            connection.send(body[-1:])
            response = connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise TransientSendError(f"gateway unreachable or silent: {exc!r}") from exc
    finally:
        connection.close()


def _post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout_s: float,
    hand_over: Callable[[], None],
) -> dict[str, Any]:
    """``exchange``, with a 4xx answer permanent and 5xx, 408, 429 transient; the reply's JSON."""
    status, reply = exchange(url, body, headers, timeout_s, hand_over)
    if status >= 400:
        text = f"gateway answered {status}: {reply[:500].decode('utf-8', 'replace')}"
        if status in (408, 429) or status >= 500:
            raise TransientSendError(text)
        raise PermanentSendError(text)
    try:
        parsed = json.loads(reply or b"{}")
    except ValueError:
        # It took the message but said something odd; sending again would duplicate it.
        return {"id": f"unreadable reply: {reply[:100]!r}"}
    return parsed if isinstance(parsed, dict) else {}


class TwilioGateway:
    """Twilio's Messages API: form POST to .../Accounts/{sid}/Messages.json, basic auth."""

    def __init__(self, url: str, token: str, sender: str, timeout_s: float = 10.0) -> None:
        path = urllib.parse.urlsplit(url).path
        if TWILIO_PATH not in path:
            raise ValueError(f"a Twilio URL has {TWILIO_PATH}<sid>/Messages.json in it: {url}")
        self._sid = path.split(TWILIO_PATH, 1)[1].split("/", 1)[0]
        self._url, self._token, self._sender, self._timeout_s = url, token, sender, timeout_s

    def send(
        self, to: str, text: str, reference: str, hand_over: Callable[[], None] = _no_hand_over
    ) -> str:
        credentials = base64.b64encode(f"{self._sid}:{self._token}".encode()).decode()
        reply = _post(
            self._url,
            urllib.parse.urlencode({"To": to, "From": self._sender, "Body": text}).encode(),
            {
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            self._timeout_s,
            hand_over,
        )
        return str(reply.get("sid") or "")


class WebhookGateway:
    """A generic JSON webhook: ``{"to", "from", "text", "reference", "encoding", "segments"}``.

    ``reference`` is the delivery id: a gateway may use it to drop a repeat.
    """

    def __init__(self, url: str, token: str, sender: str, timeout_s: float = 10.0) -> None:
        self._url, self._token, self._sender, self._timeout_s = url, token, sender, timeout_s

    def send(
        self, to: str, text: str, reference: str, hand_over: Callable[[], None] = _no_hand_over
    ) -> str:
        segments = gsm7.split(text)
        headers = {"Content-Type": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        body = {
            "to": to,
            "from": self._sender,
            "text": text,
            "reference": reference,
            "encoding": segments.encoding,
            "segments": list(segments.parts),
        }
        reply = _post(self._url, json.dumps(body).encode(), headers, self._timeout_s, hand_over)
        return str(reply.get("id") or reply.get("message_id") or "")


def make_gateway(
    kind: str, url: str, token: str, sender: str, timeout_s: float
) -> TwilioGateway | WebhookGateway:
    if kind == TWILIO:
        return TwilioGateway(url, token, sender, timeout_s)
    return WebhookGateway(url, token, sender, timeout_s)


@dataclass(frozen=True)
class SentSms:
    to: str
    text: str
    reference: str


class MemoryGateway:
    """Keeps sent SMS in a list; ``fail_with`` makes the next sends raise."""

    def __init__(self) -> None:
        self.sent: list[SentSms] = []
        self.fail_with: list[Exception] = []

    def send(
        self, to: str, text: str, reference: str, hand_over: Callable[[], None] = _no_hand_over
    ) -> str:
        if self.fail_with:
            raise self.fail_with.pop(0)
        hand_over()
        self.sent.append(SentSms(to, text, reference))
        return f"SM{len(self.sent):06d}"
