"""Sends recorded deliveries over one channel and records each outcome.

One dispatcher per channel, so a mail server that is down never holds up SMS
or WhatsApp (and the reverse). A WhatsApp message that fails for good (the
number is not on WhatsApp, say) is replaced by an SMS, once. Within a channel a failing message never blocks the
others: its retry is scheduled in the database and the batch moves on.

Each step that writes is its own use case with its own short transaction (find
what is due, put off, claim, hand over, record outcomes, release); the send
itself happens between them, outside any transaction. A burst commits one
hand-over per message (a single UPDATE) and the outcomes of its messages
together, at its end.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Engine

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
from services.notification.adapters.webhook import WebhookSender
from services.notification.adapters.whatsapp import WhatsAppApi
from services.notification.domain import EMAIL, FAILED, SENT, SMS
from services.notification.domain.messages import WEBHOOK, WHATSAPP, mask
from services.notification.domain.schedule import (
    QuietHours,
    TokenBucket,
    earliest_send,
)
from services.notification.store.deliveries import SOURCE
from services.notification.usecases.webhooks import advance_parked, disable_endpoint
from services.notification.usecases.work import NotificationWork, WorkFactory, work_factory
from shared.events.catalog import (
    NOTIFICATION_DELIVERED,
    NOTIFICATION_FAILED,
    NOTIFICATIONS,
    spec_for,
)
from shared.events.envelope import Event
from shared.events.wakeup import Waiter, Wakeup
from shared.platform.backoff import Backoff
from shared.platform.metrics import DELIVERIES

log = logging.getLogger(__name__)
PRESUMED = "the sender stopped after handing the message over; presumed delivered"
ACCEPTED = "the server accepted the message; its sender stopped before recording it"
CLAIM_LOST = "its lease ran out before the hand-over and another sender claimed it; not sent here"
# How often a sender looks for deliveries a dead sender handed over (their lease is minutes).
PRESUMED_CHECK = timedelta(seconds=1)
# A running sender keeps its connection (SMTP) from one burst to the next for this long:
# under a steady trickle every message would otherwise pay a connect, EHLO and QUIT.
KEEP_ALIVE_S = 2.0

HandOver = Callable[[], None]
# Sends one delivery, calling the hand-over just before the server can accept it; when
# the hand-over raises (``ClaimLost``), the message must not be completed.
Send = Callable[[dict[str, Any], HandOver], str | None]


class ClaimLost(Exception):
    """The hand-over was refused: this sender's lease ran out and another sender claimed
    the delivery. This sender must not send it; the other one does."""


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


class WhatsAppTransport:
    channel = WHATSAPP

    def __init__(self, api: WhatsAppApi) -> None:
        self._api = api

    @contextmanager
    def session(self) -> Iterator[Send]:
        yield lambda d, hand_over: self._api.send(
            d["recipient"],
            d["subject"],  # the approved template's name
            d["language"],
            list(d["template_parameters"] or []),
            hand_over,
        )


class WebhookTransport:
    channel = WEBHOOK

    def __init__(self, sender: WebhookSender) -> None:
        self._sender = sender

    @contextmanager
    def session(self) -> Iterator[Send]:
        yield self._sender.send


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
    # WhatsApp: a message refused for good is sent again as an SMS (an SMS gateway is there).
    fall_back_to_sms: bool = False
    # Webhooks: a delivery is retried for this long after it was recorded (and at most
    # max_attempts times); None: max_attempts alone decides.
    retry_period: timedelta | None = None
    # The privacy notice the email about a disabled webhook endpoint links to.
    privacy_url: str = ""


# -- the steps: each one short transaction ------------------------------------------


@dataclass(frozen=True)
class Sent:
    """A message the server accepted whose outcome is not recorded yet: it is recorded
    with the burst's other outcomes, at its end (or with a failure's, sooner)."""

    delivery: dict[str, Any]
    provider_id: str | None


def outcome_event(
    delivery: dict[str, Any], status: str, at: datetime, error: str | None, permanent: bool | None
) -> Event:
    kind = NOTIFICATION_DELIVERED if status == SENT else NOTIFICATION_FAILED
    return Event(
        type=kind,
        source=SOURCE,
        subject=delivery["proposal_id"] or delivery["id"],
        dataschema=spec_for(kind).dataschema,
        correlation_id=delivery.get("correlation_id") or delivery["event_id"],
        causation_id=delivery["event_id"],
        data={
            "delivery_id": delivery["id"],
            "cause_event_id": delivery["event_id"],
            "cause_event_type": delivery["event_type"],
            "proposal_id": delivery["proposal_id"],
            "channel": delivery["channel"],
            "recipient": mask(delivery["recipient"]),
            "attempts": delivery["attempts"],
            "error": error,
            "permanent": permanent,
            "at": at.isoformat(),
        },
    )


def _finish(
    uow: NotificationWork,
    delivery: dict[str, Any],
    status: str,
    now: datetime,
    *,
    error: str | None = None,
    permanent: bool | None = None,
    provider_id: str | None = None,
) -> bool:
    """Inside an open unit of work: record the outcome and announce it for every delivery
    it ends; False if the claim is no longer ours (nothing written, nothing announced)."""
    ended = uow.deliveries.finish(delivery, status, now, error=error, provider_id=provider_id)
    for row in ended:
        uow.emit(NOTIFICATIONS, outcome_event(row, status, now, error, permanent))
        if row["channel"] == WEBHOOK:
            advance_parked(uow, row, now)  # a disablement right after parks it again
    return bool(ended)


def _finish_sent(uow: NotificationWork, sent: list[Sent], now: datetime) -> list[Sent]:
    """Inside an open unit of work: record and announce what the server accepted; returns
    those finished (not one presumed sent meanwhile, its reply having come late)."""
    if not sent:
        return []
    ended = uow.deliveries.finish_sent([(s.delivery, s.provider_id) for s in sent], now)
    for rows in ended:
        for row in rows:
            uow.emit(NOTIFICATIONS, outcome_event(row, SENT, now, None, None))
            if row["channel"] == WEBHOOK:
                advance_parked(uow, row, now)
    return [s for s, rows in zip(sent, ended, strict=True) if rows]


def _count(delivery: dict[str, Any] | None, outcome: str, done: bool) -> None:
    """Count an outcome once its transaction committed."""
    if delivery is not None and done:
        DELIVERIES.labels(delivery["channel"], outcome).inc()


def _count_sent(finished: list[Sent]) -> None:
    for sent in finished:
        _count(sent.delivery, "sent", True)


class RateLimit(Protocol):
    """A channel's send rate: ``wait_for_token`` returns 0 and takes a token, or the seconds
    to wait before asking again."""

    def wait_for_token(self, now: float) -> float: ...


class SharedRateLimit:
    """A channel's send rate limit for the whole deployment: every sender of every worker
    replica takes its tokens from the channel's row in the notification database
    (store/rates.py), so ``EMAIL_RATE_PER_S`` and the others hold however many replicas
    run. Bursts of up to ``capacity`` (the rate, at least 1), as ``TokenBucket``.

    The time is the wall clock (``wall``): one process's monotonic clock means nothing to
    another's. ``now`` (the caller's monotonic time) is not used.
    """

    def __init__(
        self,
        work: WorkFactory,
        channel: str,
        rate: float,
        capacity: float | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.channel = channel
        self.rate = rate
        self.capacity = capacity if capacity is not None else max(rate, 1.0)
        self._work = work
        self._wall = wall

    def wait_for_token(self, now: float) -> float:
        if self.rate <= 0:
            return 0.0
        uow = self._work()
        with uow:
            return uow.rates.take(self.channel, self._wall(), self.rate, self.capacity)


def find_due(
    channel: str, now: datetime, lease: timedelta, limit: int, uow: NotificationWork
) -> list[tuple[str, str]]:
    """(id, time zone) of the channel's deliveries ready to send, oldest due first."""
    with uow:
        return uow.deliveries.due(channel, now, lease, limit)


def defer_delivery(
    delivery_id: str, now: datetime, lease: timedelta, until: datetime, uow: NotificationWork
) -> None:
    """Put a due delivery off until ``until`` (quiet hours) without counting an attempt."""
    with uow:
        uow.deliveries.defer(delivery_id, now, lease, until)


def claim_deliveries(
    delivery_ids: list[str], now: datetime, lease: timedelta, uow: NotificationWork
) -> list[dict[str, Any]]:
    """Claim what no other sender got first, under a new token; committed before any send."""
    with uow:
        return uow.deliveries.claim(delivery_ids, now, lease)


def hand_over_delivery(
    delivery: dict[str, Any], accepted: Sent | None, now: datetime, uow: NotificationWork
) -> bool:
    """Record that the message is about to be complete at the server, and that the server
    accepted the one before (``accepted``; its outcome is recorded with the burst's);
    False (not handed over) when its claim was lost: it must not be completed. One or
    two single-row UPDATEs, committed."""
    with uow:
        if accepted is not None and accepted.provider_id is not None:
            uow.deliveries.accepted(accepted.delivery, accepted.provider_id)
        return uow.deliveries.hand_over(delivery, now)


def fail_delivery(
    delivery: dict[str, Any],
    sent: list[Sent],
    now: datetime,
    error: str,
    uow: NotificationWork,
    fall_back: bool = False,
) -> None:
    """The server refused the message for good: record the failure (with the outcomes of
    the burst's messages sent before it) and announce it; with ``fall_back``, record the
    SMS that replaces it (once: its key is the event, the channel and the number)."""
    replaced = None
    with uow:
        previous = _finish_sent(uow, sent, now)
        failed = _finish(uow, delivery, FAILED, now, error=error, permanent=True)
        if failed and fall_back:
            replaced = uow.deliveries.fall_back(delivery, now, error)
    _count_sent(previous)
    _count(delivery, "failed", failed)
    if replaced:
        log.info("WhatsApp delivery %s replaced by SMS delivery %s", delivery["id"], replaced)
        DELIVERIES.labels(delivery["channel"], "fell_back").inc()


def retry_or_fail(
    delivery: dict[str, Any],
    sent: list[Sent],
    now: datetime,
    error: str,
    policy: Policy,
    rng: random.Random,
    uow: NotificationWork,
) -> None:
    """A send failed for now: try again after a backoff, or fail it when its attempts
    are spent (with the outcomes of the burst's messages sent before it)."""
    spent = delivery["attempts"] >= policy.max_attempts or (
        policy.retry_period is not None
        and now - _aware(delivery["created_at"]) >= policy.retry_period
    )
    with uow:
        previous = _finish_sent(uow, sent, now)
        if spent:
            done = _finish(uow, delivery, FAILED, now, error=error, permanent=False)
            if done and delivery["channel"] == WEBHOOK:
                disable_endpoint(uow, delivery, now, error, policy.privacy_url)
        else:
            # The one backoff rule, half of it jittered (at least half the ceiling).
            backoff = Backoff(policy.retry_base_s, policy.retry_cap_s, jitter=0.5)
            delay = timedelta(seconds=backoff.delay(delivery["attempts"], rng))
            done = uow.deliveries.retry_later(delivery, now, error, now + delay)
    _count_sent(previous)
    _count(delivery, "failed" if spent else "retry", done)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def finish_sent(sent: list[Sent], now: datetime, uow: NotificationWork) -> None:
    """Record (and announce) the outcomes of messages the server accepted, together."""
    finish_burst(sent, [], now, uow)


def release_deliveries(claimed: list[dict[str, Any]], uow: NotificationWork) -> None:
    """Give back claimed deliveries that were never tried."""
    if not claimed:
        return
    with uow:
        uow.deliveries.release(claimed)


def finish_burst(
    sent: list[Sent], untried: list[dict[str, Any]], now: datetime, uow: NotificationWork
) -> None:
    """The end of a burst, in one transaction: record (and announce) what the server
    accepted, and give back the claimed deliveries that were never tried."""
    if not sent and not untried:
        return
    with uow:
        finished = _finish_sent(uow, sent, now)
        if untried:
            uow.deliveries.release(untried)
    _count_sent(finished)


def find_presumed_sent(
    channel: str, now: datetime, lease: timedelta, uow: NotificationWork
) -> list[dict[str, Any]]:
    """Deliveries handed over a lease ago or more without an outcome (their sender died)."""
    with uow:
        return uow.deliveries.presumed_sent(channel, now, lease)


def finish_presumed(delivery: dict[str, Any], now: datetime, uow: NotificationWork) -> bool:
    """Mark sent (and announce) a delivery a dead sender handed over: presumed sent, or
    known sent when the server's acceptance was noted (its provider id); False if another
    sender finished it meanwhile."""
    provider_id = delivery["provider_id"]
    note = ACCEPTED if provider_id is not None else PRESUMED
    with uow:
        return _finish(uow, delivery, SENT, now, error=note, provider_id=provider_id)


# -- the sending loop ----------------------------------------------------------------


class Dispatcher:
    """Claims due deliveries of one channel, sends them, and finishes or reschedules them.

    One send per delivery unless a send failed. The claim is committed before
    the send; "handed over" is committed just before the last bytes that let
    the server accept the message (the SMTP final dot, the request's last
    byte); the server's acceptance of a message (its provider id) with the next
    message's hand-over; the outcomes of a burst together at its end (a
    failure's at once, with those before it). A sender killed before the hand
    over leaves a claim that expires and is sent again (the server never got
    it whole); killed after it, the delivery is sent (acceptance noted) or
    presumed sent a lease after the hand-over and is not sent again. What is
    left is a window of one small write in which a kill loses a message instead
    of repeating it.

    The hand-over stays one commit per message, on purpose: one SMTP session
    completes its messages one after another, so a hand-over committed for a
    whole batch at once would, after a kill mid-batch, have the messages not yet
    written presumed sent: lost. Only the outcomes wait for the end of the burst
    (a kill before then leaves them handed over with their acceptance noted: sent,
    which they were; only the message in flight is merely presumed sent).

    A sender that is only slow (starved of CPU, say) is treated like a dead one
    once its lease runs out, so the claim is fenced: the hand-over and every
    later change succeed only under the token of the sender's own claim. If
    another sender claimed the delivery meanwhile, the slow one's hand-over is
    refused, it writes no last byte (the server drops the half message) and its
    burst ends; the delivery goes out once, from the new owner.
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
        bucket: RateLimit | None = None,
        wakeup: Waiter | None = None,
        lane: tuple[int, int] = (0, 1),
        others: Wakeup | None = None,
    ) -> None:
        """``bucket`` is the channel's rate limit (``SharedRateLimit``: shared by every
        sender of every replica; by default one ``TokenBucket`` of this sender's own);
        ``wakeup`` says there may be work; sender ``lane = (i, n)`` of ``n`` takes the
        i-th n-th of what is due (at most a batch), so that senders rarely reach for the
        same deliveries, and wakes the ``others`` when there is more than its share."""
        self._work: WorkFactory = work_factory(engine)
        self._transport = transport
        self._policy = policy
        self._clock = clock or SystemClock()
        self._quiet = quiet_hours
        self._rng = rng or random.Random()
        self._bucket: RateLimit = bucket or TokenBucket(
            policy.rate_per_s, now=self._clock.monotonic()
        )
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
        found = find_due(self.channel, now, p.lease, size * self._lanes, self._work())
        # An equal share for each sender (at most a batch), so that a handful of new
        # deliveries goes out side by side rather than one after another.
        share = min(size, -(-len(found) // self._lanes))
        mine = found[self._lane * share : (self._lane + 1) * share] or found[:share]
        if self._others is not None and len(found) > share:
            self._others.notify()
        for delivery_id, time_zone in mine:
            later = earliest_send(self.channel, now, time_zone, self._quiet)
            if later > now:
                defer_delivery(delivery_id, now, p.lease, later, self._work())
            else:
                ready.append(delivery_id)
        if not ready:
            return 0
        burst: _Burst | None = None
        try:
            with self._session() as send:
                burst = _Burst(self, send)
                claimed = claim_deliveries(ready, self._clock.now(), p.lease, self._work())
                return burst.run(claimed, stop)
        except ClaimLost as lost:
            # The session is closed (an SMTP message without its final dot is dropped).
            log.warning("%s delivery %s: %s", self.channel, lost, CLAIM_LOST)
            DELIVERIES.labels(self.channel, "claim_lost").inc()
            return burst.tried if burst is not None else 0

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
        lease = self._policy.lease
        for presumed in find_presumed_sent(self.channel, now, lease, self._work()):
            accepted = presumed["provider_id"] is not None
            log.warning(
                "delivery %s was handed over by a sender that died (%s)",
                presumed["id"],
                "accepted by the server" if accepted else "presumed sent",
            )
            if finish_presumed(presumed, now, self._work()):
                DELIVERIES.labels(self.channel, "sent" if accepted else "presumed_sent").inc()

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
    """One batch over one session: one small commit per message (its hand-over, with
    the previous message's acceptance), and one for the outcomes of the batch.

    A message's outcome waits in memory for the end of the burst (or for a failure's
    transaction, or for a quarter of the lease): were the process to die meanwhile,
    the delivery is handed over with its acceptance noted, so it is recorded as sent,
    which it was (the burst's last one, whose acceptance the next hand-over would
    have noted, is presumed sent, as the message in flight is).
    """

    def __init__(self, dispatcher: Dispatcher, send: Send) -> None:
        self._d = dispatcher
        self._send = send
        self._sent: list[Sent] = []
        self._waiting_since = 0.0  # monotonic time of the oldest outcome waiting
        self.tried = 0

    def _taken_sent(self) -> list[Sent]:
        """The outcomes waiting to be recorded, handed to the step that records them."""
        sent, self._sent = self._sent, []
        return sent

    def _record_if_old(self) -> None:
        """A slow burst records what it sent before another sender would take those for
        a dead sender's (a lease after their hand-over) and presume them sent."""
        clock = self._d._clock
        waited = clock.monotonic() - self._waiting_since
        if self._sent and waited > self._d._policy.lease.total_seconds() / 4:
            finish_sent(self._taken_sent(), clock.now(), self._d._work())

    def run(self, claimed: list[dict[str, Any]], stop: threading.Event | None) -> int:
        """Send the claimed deliveries in turn; raises ``ClaimLost`` (ending the burst)
        when one's claim ran out and another sender took it."""
        try:
            for delivery in claimed:
                if stop is not None and stop.is_set():
                    break
                self._d._throttle(stop)
                self._record_if_old()
                self.tried += 1
                self._one(delivery)
        finally:
            # After a lost claim the rest were claimed at the same moment: their leases
            # have run out too, and what no one took yet goes back.
            untried = claimed[self.tried :]
            finish_burst(self._taken_sent(), untried, self._d._clock.now(), self._d._work())
        return self.tried

    def _one(self, delivery: dict[str, Any]) -> None:
        work, clock = self._d._work, self._d._clock

        def hand_over() -> None:
            accepted = self._sent[-1] if self._sent else None
            if not hand_over_delivery(delivery, accepted, clock.now(), work()):
                raise ClaimLost(delivery["id"])

        try:
            provider_id = self._send(delivery, hand_over)
        except PermanentSendError as exc:
            log.warning("%s delivery %s failed for good: %s", self._d.channel, delivery["id"], exc)
            fall_back = self._d._policy.fall_back_to_sms
            fail_delivery(delivery, self._taken_sent(), clock.now(), str(exc), work(), fall_back)
            return
        except TransientSendError as exc:
            p = self._d._policy
            retry_or_fail(
                delivery, self._taken_sent(), clock.now(), str(exc), p, self._d._rng, work()
            )
            if exc.connection_lost:
                raise
            return
        if not self._sent:
            self._waiting_since = clock.monotonic()
        self._sent.append(Sent(delivery, provider_id))
