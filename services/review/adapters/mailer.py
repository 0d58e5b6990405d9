"""The review service's mailer port: one plain-text email to one person (invitation and
password-reset links). SMTP for real, a list for tests.

Only the account emails go this way: every other message is the notification service's
(events, deliveries, retries). A link is a credential, so it is not put on a topic;
a failed send raises, and the secretariat (or the person) asks for a new link.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

from services.review.config import ReviewSettings


class MailNotSent(Exception):
    """The SMTP server could not be reached or refused the message."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    def send(self, mail: Mail) -> None:
        """Send one message (blocks on the SMTP server, at most ~10 s); raises MailNotSent."""
        ...


@dataclass
class MemoryMailer:
    """The fake: keeps what was sent, for tests and the bootstrap command's dry runs."""

    sent: list[Mail] = field(default_factory=list)

    def send(self, mail: Mail) -> None:
        self.sent.append(mail)


@dataclass(frozen=True)
class SmtpMailer:
    settings: ReviewSettings
    timeout_s: float = 10.0

    def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        s = self.settings
        try:
            if s.smtp_port == 465:
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host,
                    s.smtp_port,
                    timeout=self.timeout_s,
                    context=ssl.create_default_context(),
                )
            else:
                client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout_s)
            with client:
                if s.smtp_starttls:
                    client.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    client.login(s.smtp_username, s.smtp_password)
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailNotSent(str(exc)) from exc
