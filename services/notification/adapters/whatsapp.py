"""The WhatsApp port: the WhatsApp Business Cloud API for real, a list for unit tests.

A business-initiated message is a template message::

    POST {base}/{version}/{phone-number-id}/messages
    Authorization: Bearer <token>
    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281...",
     "type": "template", "template": {"name": "inagara_review_assigned",
     "language": {"code": "id"}, "components": [{"type": "body",
     "parameters": [{"type": "text", "text": "Siti"}, ...]}]}}

answered ``{"messaging_product": "whatsapp", "contacts": [...], "messages":
[{"id": "wamid...."}]}``, or an error ``{"error": {"message", "type", "code",
"error_data": {"details"}, "fbtrace_id"}}``. The error's ``code`` decides: a
number that cannot get the message (not on WhatsApp, 131026) is permanent, and
so the SMS fallback's cue; throttling (130429, 131056, 80007, HTTP 429) and the
provider's own trouble (131000, 131016, 1, 2, 5xx) are transient; the rest
(a template or parameter the provider does not know, a bad token) is permanent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from services.notification.adapters.mailer import PermanentSendError, TransientSendError
from services.notification.adapters.sms import exchange

DEFAULT_VERSION = "v21.0"
NOT_ON_WHATSAPP = 131026  # "Message undeliverable": no WhatsApp account, old app, ...
RATE_LIMITED = 130429  # the business number's throughput
PAIR_RATE_LIMITED = 131056  # too many messages to the same number
# Worth another try later: throttling and the provider's own trouble.
TRANSIENT_CODES = frozenset({1, 2, 4, 80007, RATE_LIMITED, PAIR_RATE_LIMITED, 131000, 131016})


class WhatsAppError(PermanentSendError):
    """A permanent refusal, with the provider's error code (``NOT_ON_WHATSAPP``, ...)."""

    def __init__(self, message: str, code: int | None) -> None:
        super().__init__(message)
        self.code = code


class WhatsAppApi(Protocol):
    def send(
        self,
        to: str,
        template: str,
        language: str,
        parameters: list[str],
        hand_over: Callable[[], None] = ...,
    ) -> str:
        """Send one template message; returns the provider's message id (``wamid...``).

        ``hand_over`` runs just before the provider can accept it. Blocks on the HTTP
        call (bounded by the timeout); raises ``WhatsAppError`` (permanent) or
        ``TransientSendError``.
        """
        ...


def _no_hand_over() -> None:
    pass


def template_body(to: str, template: str, language: str, parameters: list[str]) -> dict[str, Any]:
    """The Cloud API's JSON for one template message (``to`` without its ``+``)."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.lstrip("+"),
        "type": "template",
        "template": {
            "name": template,
            "language": {"code": language},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": value} for value in parameters],
                }
            ],
        },
    }


def _error(reply: bytes) -> tuple[int | None, str]:
    try:
        error = json.loads(reply or b"{}").get("error") or {}
        code = error.get("code")
        details = (error.get("error_data") or {}).get("details") or ""
        return (int(code) if code is not None else None), f"{error.get('message', '')} {details}"
    except (ValueError, AttributeError, TypeError):
        return None, reply[:200].decode("utf-8", "replace")


class CloudApi:
    """Meta's WhatsApp Business Cloud API (or anything speaking it, such as the local one)."""

    def __init__(
        self,
        base_url: str,
        phone_number_id: str,
        token: str,
        version: str = DEFAULT_VERSION,
        timeout_s: float = 10.0,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/{version}/{phone_number_id}/messages"
        self._token, self._timeout_s = token, timeout_s

    def send(
        self,
        to: str,
        template: str,
        language: str,
        parameters: list[str],
        hand_over: Callable[[], None] = _no_hand_over,
    ) -> str:
        body = json.dumps(template_body(to, template, language, parameters)).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self._token}"}
        status, reply = exchange(self.url, body, headers, self._timeout_s, hand_over)
        if status < 300:
            try:
                return str(json.loads(reply)["messages"][0]["id"])
            except (ValueError, KeyError, IndexError, TypeError):
                # It took the message but said something odd; sending again would repeat it.
                return f"unreadable reply: {reply[:100]!r}"
        code, text = _error(reply)
        said = f"WhatsApp answered {status}, error {code}: {text.strip()}"
        if status in (408, 429) or status >= 500 or code in TRANSIENT_CODES:
            raise TransientSendError(said)
        raise WhatsAppError(said, code)


@dataclass(frozen=True)
class SentWhatsApp:
    to: str
    template: str
    language: str
    parameters: list[str]


class MemoryWhatsApp:
    """Keeps sent messages in a list; ``fail_with`` makes the next sends raise."""

    def __init__(self) -> None:
        self.sent: list[SentWhatsApp] = []
        self.fail_with: list[Exception] = []

    def send(
        self,
        to: str,
        template: str,
        language: str,
        parameters: list[str],
        hand_over: Callable[[], None] = _no_hand_over,
    ) -> str:
        if self.fail_with:
            raise self.fail_with.pop(0)
        hand_over()
        self.sent.append(SentWhatsApp(to, template, language, list(parameters)))
        return f"wamid.{len(self.sent):06d}"
