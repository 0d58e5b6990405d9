"""The SMS gateway port: a Twilio-style REST API or a generic JSON webhook for
real, a list for unit tests.

Errors are classified as the mailer's are: a 4xx answer (bad number, refused)
is permanent; 5xx, 408, 429, a timeout or a refused connection is transient.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from services.notification.config import TWILIO, TWILIO_PATH
from services.notification.domain import gsm7
from services.notification.mailer import PermanentSendError, TransientSendError


class SmsGateway(Protocol):
    def send(self, to: str, text: str, reference: str) -> str:
        """Hand one SMS to the gateway; returns the gateway's message id.

        Blocks on the HTTP call (bounded by the timeout); raises
        ``PermanentSendError`` or ``TransientSendError``.
        """
        ...


def _post(request: urllib.request.Request, timeout_s: float) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", "replace")
        text = f"gateway answered {exc.code}: {detail}"
        if exc.code in (408, 429) or exc.code >= 500:
            raise TransientSendError(text) from exc
        raise PermanentSendError(text) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise TransientSendError(f"gateway unreachable: {exc!r}") from exc
    try:
        reply = json.loads(body or b"{}")
    except ValueError:
        # It took the message but said something odd; sending again would duplicate it.
        return {"id": f"unreadable reply: {body[:100]!r}"}
    return reply if isinstance(reply, dict) else {}


class TwilioGateway:
    """Twilio's Messages API: form POST to .../Accounts/{sid}/Messages.json, basic auth."""

    def __init__(self, url: str, token: str, sender: str, timeout_s: float = 10.0) -> None:
        path = urllib.parse.urlsplit(url).path
        if TWILIO_PATH not in path:
            raise ValueError(f"a Twilio URL has {TWILIO_PATH}<sid>/Messages.json in it: {url}")
        self._sid = path.split(TWILIO_PATH, 1)[1].split("/", 1)[0]
        self._url, self._token, self._sender, self._timeout_s = url, token, sender, timeout_s

    def send(self, to: str, text: str, reference: str) -> str:
        credentials = base64.b64encode(f"{self._sid}:{self._token}".encode()).decode()
        request = urllib.request.Request(
            self._url,
            data=urllib.parse.urlencode({"To": to, "From": self._sender, "Body": text}).encode(),
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            method="POST",
        )
        return str(_post(request, self._timeout_s).get("sid") or "")


class WebhookGateway:
    """A generic JSON webhook: ``{"to", "from", "text", "reference", "encoding", "segments"}``.

    ``reference`` is the delivery id: a gateway may use it to drop a repeat.
    """

    def __init__(self, url: str, token: str, sender: str, timeout_s: float = 10.0) -> None:
        self._url, self._token, self._sender, self._timeout_s = url, token, sender, timeout_s

    def send(self, to: str, text: str, reference: str) -> str:
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
        request = urllib.request.Request(
            self._url, data=json.dumps(body).encode(), headers=headers, method="POST"
        )
        reply = _post(request, self._timeout_s)
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

    def send(self, to: str, text: str, reference: str) -> str:
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.sent.append(SentSms(to, text, reference))
        return f"SM{len(self.sent):06d}"
