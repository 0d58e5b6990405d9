"""The mailer port: SMTP for real, a list for unit tests.

A ``session`` holds one SMTP connection for a burst of messages.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from email.charset import QP, Charset
from email.errors import MessageError
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import Compat32
from email.utils import formataddr, formatdate, parseaddr
from functools import lru_cache
from typing import Protocol

from services.notification.adapters.rendering import RenderedEmail
from services.notification.config import NotificationSettings


class PermanentSendError(Exception):
    """The server refused the message for good (bad address, 5xx): do not retry."""


class UnbuildableMessage(PermanentSendError):
    """The message can never be built (a line break in a header's text): do not retry."""


class TransientSendError(Exception):
    """The send failed for now (server down, 4xx, timeout): retry later.

    ``connection_lost`` says the session is unusable: end the burst.
    """

    def __init__(self, message: str, *, connection_lost: bool = False) -> None:
        super().__init__(message)
        self.connection_lost = connection_lost


class MailSession(Protocol):
    def send(self, message: Message, hand_over: Callable[[], None] = ...) -> None:
        """Send one message; ``hand_over`` runs just before the server can accept it.

        Raises ``PermanentSendError`` or ``TransientSendError``.
        """
        ...


class Mailer(Protocol):
    def session(self) -> AbstractContextManager[MailSession]: ...


def message_id(delivery_id: str, sender: str) -> str:
    """One Message-ID per delivery, so a resend after a crash is recognisably the same mail."""
    return f"<{delivery_id}@{_domain(sender)}>"


# The sender is the same for every message of a worker: parsed once, not per message.
@lru_cache(maxsize=8)
def _domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2] or "inagara.local"


@lru_cache(maxsize=8)
def _from(sender: str) -> str:
    return _address(*parseaddr(sender))


@lru_cache(maxsize=8)
def _envelope_sender(from_header: str) -> str:
    return parseaddr(from_header)[1]


# Bodies in UTF-8, quoted-printable: readable where it is ASCII, safe over any server.
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP
# The classic (compat32) message classes build a message in a quarter of the time the
# header-parsing EmailMessage API takes; what they need is to be given headers already
# encoded (RFC 2047), which is done here. Long headers (a List-Unsubscribe URL) stay on
# one line, within RFC 5322's 998 characters.
_AS_IS = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*\Z")


class _WirePolicy(Compat32):
    """compat32 with CRLF and lines of up to 998 characters. A header that is one line of
    printable ASCII words (every header ``compose`` writes: their text is encoded
    already) is written as it is, which is what compat32's folding makes of it
    (tests/unit/test_mailer_wire.py), without building a ``Header`` for it."""

    def _fold(self, name: str, value: object, sanitize: bool) -> str:
        if (
            isinstance(value, str)
            and len(name) + 2 + len(value) <= (self.max_line_length or 0)
            and _AS_IS.match(value)
        ):
            return f"{name}: {value}{self.linesep}"
        folded: str = super()._fold(name, value, sanitize)  # type: ignore[misc]
        return folded


_WIRE = _WirePolicy(linesep="\r\n", max_line_length=998)


def _text_part(text: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype)
    part.set_payload(text, charset=_UTF8)
    return part


# A line break in a header's text would end the header and start one of the text's choosing.
_LINE_BREAK = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def _one_line(what: str, value: str) -> str:
    if _LINE_BREAK.search(value):
        raise UnbuildableMessage(f"cannot build the message: {what} contains a line break")
    return value


def _address(name: str, address: str) -> str:
    return formataddr((name, address), charset="utf-8")


def compose(
    rendered: RenderedEmail,
    sender: str,
    recipient: str,
    recipient_name: str,
    message_id: str,
    unsubscribe_url: str | None = None,
) -> Message:
    """The email as multipart/alternative (plain text, then HTML).

    Raises ``UnbuildableMessage`` when a header's text holds a line break.
    """
    _one_line("the recipient's name", recipient_name)
    _one_line("the recipient's address", recipient)
    _one_line("the subject", rendered.subject)
    _one_line("the unsubscribe link", unsubscribe_url or "")
    message = MIMEMultipart(
        "alternative",
        # "=_" never occurs in quoted-printable text (a "=" there is followed by two hex
        # digits or a line end), so the boundary is set here rather than searched for.
        boundary=f"=_{uuid.uuid4().hex}",
        _subparts=[_text_part(rendered.text, "plain"), _text_part(rendered.html, "html")],
    )
    subject = rendered.subject
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8").encode()
    message["From"] = _from(sender)
    message["To"] = _address(recipient_name, recipient)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id
    if unsubscribe_url:
        # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe (a POST).
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def _no_hand_over() -> None:
    pass


def _smtp_error(code: int, reply: bytes, what: str) -> PermanentSendError | TransientSendError:
    text = f"{what}: {code} {reply.decode('utf-8', 'replace')}"
    if 500 <= code < 600:
        return PermanentSendError(text)
    return TransientSendError(text)


_LEADING_DOT = re.compile(rb"(?m)^\.")


def _dot_stuffed(message: Message) -> bytes:
    """The message as DATA wants it: CRLF line ends, a leading dot doubled, ending in CRLF."""
    data = _LEADING_DOT.sub(b"..", message.as_bytes(policy=_WIRE))
    return data if data.endswith(b"\r\n") else data + b"\r\n"


class _SmtpSession:
    """Sends over one connection, handing each message over at the last possible moment.

    The DATA is written up to, but not including, the final ``.``; then
    ``hand_over`` runs (the dispatcher commits "handed over"), and only then
    the ``.`` goes out. A process killed before the ``.`` leaves the server
    with an unfinished message, which it discards: the send is redone, not
    repeated. Killed after it, the database already says so: nothing is resent.
    """

    def __init__(self, client: smtplib.SMTP) -> None:
        self._client = client

    def send(self, message: Message, hand_over: Callable[[], None] = _no_hand_over) -> None:
        client = self._client
        sender = _envelope_sender(str(message["From"]))
        recipient = parseaddr(str(message["To"]))[1]
        try:
            # Built before the server hears of it: a message that cannot be built fails
            # here, for good, not halfway through DATA.
            data = _dot_stuffed(message)
        except (MessageError, ValueError) as exc:
            raise UnbuildableMessage(f"cannot build the message: {exc}") from exc
        try:
            client.ehlo_or_helo_if_needed()
            code, reply = client.mail(sender)
            if code != 250:
                client.rset()
                raise _smtp_error(code, reply, "MAIL FROM refused")
            code, reply = client.rcpt(recipient)
            if code not in (250, 251):
                client.rset()
                raise _smtp_error(code, reply, f"RCPT TO {recipient} refused")
            code, reply = client.docmd("DATA")
            if code != 354:
                client.rset()
                raise _smtp_error(code, reply, "DATA refused")
            client.send(data)
            try:
                hand_over()
            except BaseException:
                # Without its final dot the server drops the message; a QUIT now
                # would only be read as more of it.
                client.close()
                raise
            client.send(b".\r\n")
            code, reply = client.getreply()
        except (PermanentSendError, TransientSendError):
            raise
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientSendError(repr(exc), connection_lost=True) from exc
        if code != 250:
            raise _smtp_error(code, reply, "message refused")


class SmtpMailer:
    """Sends over SMTP: implicit TLS on port 465, STARTTLS when configured, login when given.

    ``tls`` is the TLS context (default: the system's trust store, hostname
    checked); ``implicit_tls`` overrides "port 465 means implicit TLS".
    """

    def __init__(
        self,
        settings: NotificationSettings,
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
            # The final dot goes out as a write of its own (see _SmtpSession): without
            # this, Nagle's algorithm holds it until the server's delayed ACK.
            if client.sock is not None:
                client.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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
        self.sent: list[Message] = []
        self.fail_with: list[Exception] = []

    @contextmanager
    def session(self) -> Iterator[MailSession]:
        yield self

    def send(self, message: Message, hand_over: Callable[[], None] = _no_hand_over) -> None:
        if self.fail_with:
            raise self.fail_with.pop(0)
        hand_over()
        self.sent.append(message)
