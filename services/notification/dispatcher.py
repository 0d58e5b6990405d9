"""Sends recorded deliveries over one channel and records each outcome.

One dispatcher per channel, so a mail server that is down never holds up SMS
(and the reverse). Within a channel a failing message never blocks the
others: its retry is scheduled in the database and the batch moves on.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import Engine

from services.notification.clock import Clock, SystemClock
from services.notification.domain import EMAIL, FAILED, SENT, SMS
from services.notification.domain.schedule import QuietHours, TokenBucket, retry_delay
from services.notification.mailer import (
    Mailer,
    PermanentSendError,
    TransientSendError,
    compose,
    message_id,
)
from services.notification.rendering import RenderedEmail
from services.notification.sms import SmsGateway
from services.notification.store import deliveries as store

log = logging.getLogger(__name__)
PRESUMED = "the sender stopped after handing the message over; presumed delivered"

HandOver = Callable[[], None]
# Sends one delivery, calling the hand-over just before the server can accept it.
Send = Callable[[dict[str, Any], HandOver], str | None]


class Transport(Protocol):
    channel: str

    def session(self) -> AbstractContextManager[Send]:
        """A sending session (one SMTP connection); raises ``TransientSendError`` if unreachable."""
        ...


class EmailTransport:
    channel = EMAIL

    def __init__(self, mailer: Mailer, sender: str) -> None:
        self._mailer, self._sender = mailer, sender

    @contextmanager
    def session(self) -> Iterator[Send]:
        with self._mailer.session() as session:

            def send(delivery: dict[str, Any], hand_over: HandOver) -> str | None:
                mid = message_id(delivery["id"], self._sender)
                session.send(
                    compose(
                        RenderedEmail(
                            delivery["subject"], delivery["body_text"], delivery["body_html"]
                        ),
                        self._sender,
                        delivery["recipient"],
                        delivery["recipient_name"],
                        mid,
                        delivery["unsubscribe_url"],
                    ),
                    hand_over,
                )
                return mid

            yield send


class SmsTransport:
    channel = SMS

    def __init__(self, gateway: SmsGateway) -> None:
        self._gateway = gateway

    @contextmanager
    def session(self) -> Iterator[Send]:
        yield lambda d, hand_over: self._gateway.send(
            d["recipient"], d["body_text"], d["id"], hand_over
        )


@dataclass(frozen=True)
class Policy:
    max_attempts: int = 8
    retry_base_s: float = 2.0
    retry_cap_s: float = 600.0
    rate_per_s: float = 0.0  # 0: no limit
    lease: timedelta = timedelta(seconds=60)
    batch_size: int = 100
    idle_wait_s: float = 0.05
    outage_backoff_max_s: float = 30.0  # longest wait between tries of an unreachable server


class Dispatcher:
    """Claims due deliveries of one channel, sends them, and finishes or reschedules them.

    One send per delivery unless a send failed. The claim is committed before
    the send; "handed over" is committed just before the last bytes that let
    the server accept the message (the SMTP final dot, the request's last
    byte); the outcome right after the reply. A sender killed before the hand
    over leaves a claim that expires and is sent again (the server never got
    it whole); killed after it, the delivery is presumed sent when its lease
    expires and is not sent again. What is left is a window of one small write
    in which a kill loses a message instead of repeating it.
    """

    def __init__(
        self,
        engine: Engine,
        transport: Transport,
        policy: Policy = Policy(),
        *,
        clock: Clock | None = None,
        quiet_hours: QuietHours | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._engine = engine
        self._transport = transport
        self._policy = policy
        self._clock = clock or SystemClock()
        self._quiet = quiet_hours if transport.channel == SMS else None
        self._rng = rng or random.Random()
        self._bucket = TokenBucket(policy.rate_per_s, now=self._clock.monotonic())

    @property
    def channel(self) -> str:
        return self._transport.channel

    def send_due(self, stop: threading.Event | None = None) -> int:
        """Send up to one batch of due deliveries; returns how many were handled.

        Blocks on the database, the rate limit and the server; raises
        ``TransientSendError`` when the server cannot be reached (the
        deliveries stay due).
        """
        p = self._policy
        now = self._clock.now()
        for presumed in store.presumed_sent(self._engine, self.channel, now, p.lease):
            log.warning(
                "delivery %s was handed over by a sender that died; presumed sent", presumed["id"]
            )
            store.finish(self._engine, presumed, SENT, now, error=PRESUMED)
        due = store.due(self._engine, self.channel, now, p.lease, p.batch_size)
        ready = []
        for delivery_id, time_zone in due:
            later = self._quiet.not_before(now, time_zone) if self._quiet else now
            if later > now:
                store.defer(self._engine, delivery_id, now, p.lease, later)
            else:
                ready.append(delivery_id)
        if not ready:
            return 0
        handled = 0
        with self._transport.session() as send:
            for delivery_id in ready:
                if stop is not None and stop.is_set():
                    break
                self._throttle(stop)
                handled += self._send_one(send, delivery_id)
        return handled

    def _throttle(self, stop: threading.Event | None) -> None:
        wait = self._bucket.wait_for_token(self._clock.monotonic())
        while wait > 0 and not (stop is not None and stop.is_set()):
            self._clock.sleep(wait, stop)
            wait = self._bucket.wait_for_token(self._clock.monotonic())

    def _send_one(self, send: Send, delivery_id: str) -> int:
        delivery = store.claim(self._engine, delivery_id, self._clock.now(), self._policy.lease)
        if delivery is None:
            return 0  # another sender has it

        def hand_over() -> None:
            store.hand_over(self._engine, delivery_id, self._clock.now())

        try:
            provider_id = send(delivery, hand_over)
        except PermanentSendError as exc:
            store.finish(
                self._engine, delivery, FAILED, self._clock.now(), error=str(exc), permanent=True
            )
            return 1
        except TransientSendError as exc:
            self._retry_or_fail(delivery, str(exc))
            if exc.connection_lost:
                raise
            return 1
        store.finish(self._engine, delivery, SENT, self._clock.now(), provider_id=provider_id)
        return 1

    def _retry_or_fail(self, delivery: dict[str, Any], error: str) -> None:
        p, now = self._policy, self._clock.now()
        if delivery["attempts"] >= p.max_attempts:
            store.finish(self._engine, delivery, FAILED, now, error=error, permanent=False)
        else:
            delay = retry_delay(delivery["attempts"], self._rng, p.retry_base_s, p.retry_cap_s)
            store.retry_later(self._engine, delivery, now, error, now + delay)

    def run(self, stop: threading.Event) -> None:
        """Send until ``stop`` is set; an unreachable server is retried with backoff."""
        backoff = min(0.5, self._policy.outage_backoff_max_s)
        while not stop.is_set():
            try:
                handled = self.send_due(stop)
            except TransientSendError as exc:
                log.warning(
                    "%s server unavailable (%s); retrying in %.1fs", self.channel, exc, backoff
                )
                stop.wait(self._rng.uniform(backoff / 2, backoff))
                backoff = min(backoff * 2, self._policy.outage_backoff_max_s)
                continue
            except Exception:
                log.exception("dispatching %s deliveries failed", self.channel)
                stop.wait(1.0)
                continue
            backoff = min(0.5, self._policy.outage_backoff_max_s)
            if handled < self._policy.batch_size:
                stop.wait(self._policy.idle_wait_s)
