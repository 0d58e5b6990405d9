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
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Engine

from services.notification.adapters.clock import Clock, SystemClock
from services.notification.adapters.mailer import (
    Mailer,
    PermanentSendError,
    TransientSendError,
    compose,
    message_id,
)
from services.notification.adapters.rendering import RenderedEmail
from services.notification.adapters.sms import SmsGateway
from services.notification.domain import EMAIL, FAILED, SENT, SMS
from services.notification.domain.schedule import (
    QuietHours,
    TokenBucket,
    may_send_from,
    retry_delay,
)
from services.notification.store import deliveries as store
from shared.events.wakeup import Waiter, Wakeup
from shared.platform.metrics import DELIVERIES

log = logging.getLogger(__name__)
PRESUMED = "the sender stopped after handing the message over; presumed delivered"
# How often a sender looks for deliveries a dead sender handed over (their lease is minutes).
PRESUMED_CHECK = timedelta(seconds=1)
# A running sender keeps its connection (SMTP) from one burst to the next for this long:
# under a steady trickle every message would otherwise pay a connect, EHLO and QUIT.
KEEP_ALIVE_S = 2.0

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
    # Claimed at a time by one sender: small, so that senders (of this process and
    # of other instances) share a backlog evenly instead of one holding it.
    batch_size: int = 20
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
        bucket: TokenBucket | None = None,
        wakeup: Waiter | None = None,
        lane: tuple[int, int] = (0, 1),
        others: Wakeup | None = None,
    ) -> None:
        """``bucket`` is the channel's rate limit, shared by the senders of one process;
        ``wakeup`` says there may be work; sender ``lane = (i, n)`` of ``n`` takes the
        i-th n-th of what is due (at most a batch), so that senders rarely reach for the
        same deliveries, and wakes the ``others`` when there is more than its share."""
        self._engine = engine
        self._transport = transport
        self._policy = policy
        self._clock = clock or SystemClock()
        self._quiet = quiet_hours if transport.channel == SMS else None
        self._rng = rng or random.Random()
        self._bucket = bucket or TokenBucket(policy.rate_per_s, now=self._clock.monotonic())
        self._wakeup = wakeup or Waiter()
        self._lane, self._lanes = lane
        self._others = others
        self._presumed_checked: datetime | None = None
        self._keeping = False  # set by ``run``: sessions outlive their burst
        self._kept: tuple[ExitStack, Send] | None = None
        self._kept_at = 0.0

    @property
    def channel(self) -> str:
        return self._transport.channel

    def send_due(self, stop: threading.Event | None = None) -> int:
        """Send up to one batch of due deliveries; returns how many were tried.

        Blocks on the database, the rate limit and the server; raises
        ``TransientSendError`` when the server cannot be reached (the
        deliveries stay due).
        """
        p = self._policy
        now = self._clock.now()
        self._finish_presumed(now)
        ready = []
        size = self._batch_size()
        found = store.due(self._engine, self.channel, now, p.lease, size * self._lanes)
        # An equal share for each sender (at most a batch), so that a handful of new
        # deliveries goes out side by side rather than one after another.
        share = min(size, -(-len(found) // self._lanes))
        mine = found[self._lane * share : (self._lane + 1) * share] or found[:share]
        if self._others is not None and len(found) > share:
            self._others.notify()
        for delivery_id, time_zone in mine:
            later = may_send_from(self.channel, now, time_zone, self._quiet)
            if later > now:
                store.defer(self._engine, delivery_id, now, p.lease, later)
            else:
                ready.append(delivery_id)
        if not ready:
            return 0
        with self._session() as send:
            claimed = store.claim(self._engine, ready, self._clock.now(), p.lease)
            return _Burst(self, send).run(claimed, stop)

    @contextmanager
    def _session(self) -> Iterator[Send]:
        """A burst's session: a new one, or (in ``run``) the last burst's if it was used
        within ``KEEP_ALIVE_S``. A burst that fails closes it."""
        if not self._keeping:
            with self._transport.session() as send:
                yield send
            return
        if self._kept is not None and self._clock.monotonic() - self._kept_at > KEEP_ALIVE_S:
            self._close_kept()
        if self._kept is None:
            stack = ExitStack()
            send = stack.enter_context(self._transport.session())
            self._kept = (stack, send)
        try:
            yield self._kept[1]
        except BaseException:
            self._close_kept()
            raise
        self._kept_at = self._clock.monotonic()

    def _close_kept(self) -> None:
        kept, self._kept = self._kept, None
        if kept is not None:
            try:
                kept[0].close()
            except Exception:  # closing a broken connection; nothing is lost by it
                log.debug("closing a kept %s session failed", self.channel, exc_info=True)

    def _finish_presumed(self, now: datetime) -> None:
        """Mark sent what a dead sender handed over (looked for once a second at most,
        or four times a lease when the lease is shorter)."""
        if self._lane != 0:
            return  # one sender of a channel per process looks
        last = self._presumed_checked
        every = min(PRESUMED_CHECK, self._policy.lease / 4)
        if last is not None and last <= now < last + every:
            return
        self._presumed_checked = now
        for presumed in store.presumed_sent(self._engine, self.channel, now, self._policy.lease):
            log.warning("delivery %s was handed over by a sender that died", presumed["id"])
            with self._engine.begin() as conn:
                store.finish(conn, presumed, SENT, now, error=PRESUMED)
            DELIVERIES.labels(self.channel, "presumed_sent").inc()

    def _batch_size(self) -> int:
        """No more claimed at once than the rate limit lets out in a quarter of the lease
        (shared with the other senders), so that no claim runs out while it waits its turn."""
        p = self._policy
        if p.rate_per_s <= 0:
            return p.batch_size
        share = p.rate_per_s * p.lease.total_seconds() / 4 / self._lanes
        return max(1, min(p.batch_size, int(share)))

    def _throttle(self, stop: threading.Event | None) -> None:
        wait = self._bucket.wait_for_token(self._clock.monotonic())
        while wait > 0 and not (stop is not None and stop.is_set()):
            self._clock.sleep(wait, stop)
            wait = self._bucket.wait_for_token(self._clock.monotonic())

    def _retry_or_fail(self, conn: Connection, delivery: dict[str, Any], error: str) -> None:
        p, now = self._policy, self._clock.now()
        if delivery["attempts"] >= p.max_attempts:
            store.finish(conn, delivery, FAILED, now, error=error, permanent=False)
            DELIVERIES.labels(self.channel, "failed").inc()
        else:
            delay = retry_delay(delivery["attempts"], self._rng, p.retry_base_s, p.retry_cap_s)
            store.retry_later(conn, delivery, now, error, now + delay)
            DELIVERIES.labels(self.channel, "retry").inc()

    def run(self, stop: threading.Event) -> None:
        """Send until ``stop`` is set; an unreachable server is retried with backoff."""
        self._keeping = True
        try:
            self._run(stop)
        finally:
            self._keeping = False
            self._close_kept()

    def _run(self, stop: threading.Event) -> None:
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
            if handled < self._batch_size() and not stop.is_set():
                self._wakeup.wait(self._policy.idle_wait_s)
                if self._kept and self._clock.monotonic() - self._kept_at > KEEP_ALIVE_S:
                    self._close_kept()


class _Burst:
    """One batch over one session, with one commit per message.

    A message's success is committed together with the next message's hand-over
    (or at the end of the burst): were the process to die in between, the
    delivery is already handed over, so it is presumed sent, which it was.
    """

    def __init__(self, dispatcher: Dispatcher, send: Send) -> None:
        self._d = dispatcher
        self._send = send
        self._sent: tuple[dict[str, Any], str | None] | None = None

    def _finish_sent(self, conn: Connection) -> None:
        if self._sent is not None:
            delivery, provider_id = self._sent
            self._sent = None
            store.finish(conn, delivery, SENT, self._d._clock.now(), provider_id=provider_id)
            DELIVERIES.labels(self._d.channel, "sent").inc()

    def run(self, claimed: list[dict[str, Any]], stop: threading.Event | None) -> int:
        engine, tried = self._d._engine, 0
        try:
            for delivery in claimed:
                if stop is not None and stop.is_set():
                    break
                self._d._throttle(stop)
                tried += 1
                self._one(delivery)
        finally:
            try:
                with engine.begin() as conn:
                    self._finish_sent(conn)
            finally:
                store.release(engine, [d["id"] for d in claimed[tried:]])
        return tried

    def _one(self, delivery: dict[str, Any]) -> None:
        engine, clock = self._d._engine, self._d._clock

        def hand_over() -> None:
            with engine.begin() as conn:
                self._finish_sent(conn)
                store.hand_over(conn, delivery["id"], clock.now())

        try:
            provider_id = self._send(delivery, hand_over)
        except PermanentSendError as exc:
            with engine.begin() as conn:
                self._finish_sent(conn)
                store.finish(conn, delivery, FAILED, clock.now(), error=str(exc), permanent=True)
            DELIVERIES.labels(self._d.channel, "failed").inc()
            return
        except TransientSendError as exc:
            with engine.begin() as conn:
                self._finish_sent(conn)
                self._d._retry_or_fail(conn, delivery, str(exc))
            if exc.connection_lost:
                raise
            return
        self._sent = (delivery, provider_id)
