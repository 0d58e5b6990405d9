"""The mailer port: SMTP for real, a list for unit tests.

A ``session`` holds one SMTP connection for a burst of messages.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr
from typing import Protocol

from services.notification.rendering import RenderedEmail
from shared.settings import Settings


class PermanentSendError(Exception):
    """The server refused the message for good (bad address, 5xx): do not retry."""


class TransientSendError(Exception):
    """The send failed for now (server down, 4xx, timeout): retry later.

    ``connection_lost`` says the session is unusable: end the burst.
    """

    def __init__(self, message: str, *, connection_lost: bool = False) -> None:
        super().__init__(message)
        self.connection_lost = connection_lost


class MailSession(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class Mailer(Protocol):
    def session(self) -> AbstractContextManager[MailSession]: ...


def message_id(delivery_id: str, sender: str) -> str:
    """One Message-ID per delivery, so a resend after a crash is recognisably the same mail."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "inagara.local"
    return f"<{delivery_id}@{domain}>"


def compose(
    rendered: RenderedEmail,
    sender: str,
    recipient: str,
    recipient_name: str,
    message_id: str,
    unsubscribe_url: str | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = formataddr((recipient_name, recipient))
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    if unsubscribe_url:
        # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe (a POST).
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


class _SmtpSession:
    def __init__(self, client: smtplib.SMTP) -> None:
        self._client = client

    def send(self, message: EmailMessage) -> None:
        try:
            refused = self._client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _classify(exc, exc.recipients) from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentSendError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
            raise TransientSendError(f"{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientSendError(repr(exc), connection_lost=True) from exc
        if refused:
            raise _classify(None, refused)


def _classify(
    exc: Exception | None, refused: dict[str, tuple[int, bytes]]
) -> PermanentSendError | TransientSendError:
    codes = [code for code, _ in refused.values()]
    text = f"refused: {refused!r}"
    if codes and all(500 <= code < 600 for code in codes):
        return PermanentSendError(text)
    return TransientSendError(text)


class SmtpMailer:
    """Sends over SMTP: implicit TLS on port 465, STARTTLS when configured, login when given.

    ``tls`` is the TLS context (default: the system's trust store, hostname
    checked); ``implicit_tls`` overrides "port 465 means implicit TLS".
    """

    def __init__(
        self,
        settings: Settings,
        tls: ssl.SSLContext | None = None,
        *,
        implicit_tls: bool | None = None,
    ) -> None:
        self._settings = settings
        self._tls = tls
        self._implicit_tls = settings.smtp_port == 465 if implicit_tls is None else implicit_tls

    @contextmanager
    def session(self) -> Iterator[MailSession]:
        """Open one connection; raises ``TransientSendError`` if the server cannot be reached."""
        s = self._settings
        try:
            if self._implicit_tls:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host,
                    s.smtp_port,
                    timeout=s.smtp_timeout_s,
                    context=self._tls or ssl.create_default_context(),
                )
            else:
                client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s)
                if s.smtp_starttls:
                    client.starttls(context=self._tls or ssl.create_default_context())
            if s.smtp_username:
                client.login(s.smtp_username, s.smtp_password)
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientSendError(
                f"cannot reach {s.smtp_host}:{s.smtp_port}: {exc!r}", connection_lost=True
            ) from exc
        try:
            yield _SmtpSession(client)
        finally:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()


class MemoryMailer:
    """Keeps sent messages in a list; ``fail_with`` makes the next sends raise."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.fail_with: list[Exception] = []

    @contextmanager
    def session(self) -> Iterator[MailSession]:
        yield self

    def send(self, message: EmailMessage) -> None:
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.sent.append(message)
